/* quarantine/stop.c: see stop.h. */
#include "quarantine/stop.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>

static int pipe_fd[2] = {-1, -1};
static pthread_t thread;
/* The signal that came, 0 before: stored (release) before the byte is
 * written to the pipe, loaded (acquire) by whoever saw the pipe readable. */
static _Atomic int got;

/* SIGUSR2 is q_stop_end's way to stop the thread; it is blocked and waited
 * for like the two stop signals. */
static void stop_set(sigset_t *s)
{
    sigemptyset(s);
    sigaddset(s, SIGINT);
    sigaddset(s, SIGTERM);
    sigaddset(s, SIGUSR2);
}

static void *signal_main(void *arg)
{
    (void)arg;
    sigset_t s;
    stop_set(&s);
    for (;;) {
        int sig;
        if (sigwait(&s, &sig) != 0) continue;
        if (sig == SIGUSR2) return NULL;
        int expected = 0;
        /* release: pairs with the acquire load in q_stop_signal (the first
         * signal wins; relaxed on failure: nothing is read then). */
        if (atomic_compare_exchange_strong_explicit(&got, &expected, sig, memory_order_release,
                                                    memory_order_relaxed)) {
            char b = 1;
            ssize_t w = write(pipe_fd[1], &b, 1);
            (void)w; /* an empty pipe takes one byte */
        }
    }
}

int q_stop_start(void)
{
    sigset_t s;
    stop_set(&s);
    if (pipe(pipe_fd) != 0) return -1;
    fcntl(pipe_fd[0], F_SETFD, FD_CLOEXEC);
    fcntl(pipe_fd[1], F_SETFD, FD_CLOEXEC);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    if (pthread_create(&thread, NULL, signal_main, NULL) != 0) {
        pthread_sigmask(SIG_UNBLOCK, &s, NULL);
        return -1;
    }
    return 0;
}

int q_stop_fd(void) { return pipe_fd[0]; }

const char *q_stop_signal(void)
{
    /* acquire: pairs with the release CAS in signal_main. */
    int sig = atomic_load_explicit(&got, memory_order_acquire);
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : NULL;
}

void q_stop_end(void)
{
    pthread_kill(thread, SIGUSR2);
    pthread_join(thread, NULL);
    close(pipe_fd[0]);
    close(pipe_fd[1]);
    pipe_fd[0] = pipe_fd[1] = -1;
}
