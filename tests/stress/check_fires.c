/* The scheduler's invariant checks (runtime/util/check.h) fire: each case
 * runs in a child process that breaks one protocol invariant on purpose,
 * through the internal headers, and the parent checks that the child died
 * of SIGABRT with the check's message: the expression, the values of its
 * sides, the file and the worker id.
 *
 * Built with NDEBUG the checks are compiled out; then the one harmless case
 * (a deque whose bottom is above top) must run to a normal exit instead. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "runtime/scheduler/worker.h"
#include "tests/common/weft_test.h"

/* Starts a runtime of n workers in the child; the caller is worker 0. */
static weft__worker *start(int n)
{
    weft_config cfg = {.num_threads = n};
    if (weft_init(&cfg) != 0) {
        fprintf(stderr, "weft_init: %s\n", weft_last_error());
        _exit(2);
    }
    return weft__self();
}

/* bottom <= top: a deque whose bottom sits above its top. */
static void break_bottom(void)
{
    weft__worker *w = start(1);
    w->deque.bottom = 3;
    (void)weft__deque_pending(&w->deque, 0);
}

#ifndef NDEBUG
/* nwaiting < nchildren before a child's WAITING request is kept: a worker
 * with no children receives one. */
static void break_nwaiting(void)
{
    weft__worker *w = start(1);
    static weft__steal_req r; /* zeroed: holder 0, as a request in a channel */
    r.thief = 5;
    r.state = WEFT__REQ_WAITING;
    weft__mpsc_send(&w->requests, &r.node);
    (void)weft__handle_requests(w);
}

/* An empty mailbox when a thief's request leaves: a batch is still waiting. */
static void break_mailbox(void)
{
    weft__worker *w = start(2);
    static int dummy;
    weft__chanp_try_send(&w->mailbox, &dummy);
    weft__send_request(w);
}

/* A request never held by two workers: the thief sends its request while it
 * is already away (in its own channel). */
static void break_holder(void)
{
    weft__worker *w = start(1);
    weft__send_req_to(w, 0, &w->req);
    weft__send_req_to(w, 0, &w->req);
}

#endif

typedef struct {
    const char *name;
    void (*run)(void);
    const char *file; /* where the check sits */
    const char *want; /* the expression and its values */
} check_case;

/* Runs c in a child; returns its stderr in out and its wait status. */
static int run_child(const check_case *c, char *out, size_t cap)
{
    int fd[2];
    if (pipe(fd) != 0) { perror("pipe"); exit(2); }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(2); }
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        c->run();
        _exit(0); /* the check did not fire */
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd[0], out + n, cap - 1 - n)) > 0) n += (size_t)k;
    out[n] = '\0';
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return status;
}

int main(void)
{
    weft_test_watchdog("check_fires", 120);
    static char out[16384];
#ifndef NDEBUG
    const check_case cases[] = {
        {"bottom <= top", break_bottom, "runtime/deque/deque.c:",
         "(weft__deque_pending): d->bottom <= top  (d->bottom = 3, top = 0)"},
        {"nwaiting < nchildren", break_nwaiting, "runtime/scheduler/steal.c:",
         "(weft__handle_requests): w->nwaiting < w->nchildren  (w->nwaiting = 0, w->nchildren = 0)"},
        {"empty mailbox", break_mailbox, "runtime/scheduler/steal.c:",
         "(weft__send_req_to): weft__chanp_is_full(&w->mailbox) == false  "
         "(weft__chanp_is_full(&w->mailbox) = 1, false = 0)"},
        {"one holder", break_holder, "runtime/scheduler/worker.h:",
         "(weft__req_hand_off): held_by == w->id + 1  (held_by = 0, w->id + 1 = 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const check_case *c = &cases[i];
        int st = run_child(c, out, sizeof out);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "%s: the child was not aborted (status %#x); it said:\n%s",
              c->name, st, out);
        CHECK(strstr(out, "weft: worker 0: check failed at ") != NULL,
              "%s: no 'weft: worker 0: check failed at' line; the child said:\n%s", c->name, out);
        CHECK(strstr(out, c->file) != NULL, "%s: expected the file '%s'; the child said:\n%s", c->name, c->file,
              out);
        CHECK(strstr(out, c->want) != NULL, "%s: expected '%s'; the child said:\n%s", c->name, c->want, out);
        if (weft_test_failures == 0) printf("ok   %s: %s", c->name, strstr(out, "weft: worker"));
    }
#else
    const check_case off = {"bottom <= top, compiled out", break_bottom, "", ""};
    int st = run_child(&off, out, sizeof out);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "NDEBUG: the child did not exit normally (status %#x):\n%s",
          st, out);
#endif
    if (weft_test_failures) {
        fprintf(stderr, "check_fires: %d failures\n", weft_test_failures);
        return 1;
    }
#ifndef NDEBUG
    printf("check_fires: every check fired with its message\n");
#else
    printf("check_fires: NDEBUG build: the checks are compiled out\n");
#endif
    return 0;
}
