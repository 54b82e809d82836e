/* quarantine/lock.c: see lock.h. */
#include "quarantine/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Empties the holder line. It is informational only: when this fails, the
 * next process may name a holder that is gone, which is harmless. */
static void clear_line(int fd)
{
    if (ftruncate(fd, 0) != 0) return;
}

/* Names the holder from its "PID COMMAND" line; a holder that has not
 * written it yet (it writes right after taking the lock) is unnamed. */
static void name_holder(int fd, const char *dbpath, const char *lockpath, char *err, size_t errlen)
{
    char line[400];
    ssize_t n = pread(fd, line, sizeof line - 1, 0);
    line[n > 0 ? n : 0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    char *rest;
    long pid = strtol(line, &rest, 10);
    if (pid > 0 && *rest == ' ')
        snprintf(err, errlen, "database %s is in use by pid %ld (%s)", dbpath, pid, rest + 1);
    else
        snprintf(err, errlen, "database %s is in use by another process (it holds %s)", dbpath, lockpath);
}

int q_lock_take(q_lock *l, const char *dbpath, const char *holder, char *err, size_t errlen)
{
    l->fd = -1;
    char lockpath[4096];
    if ((size_t)snprintf(lockpath, sizeof lockpath, "%s.lock", dbpath) >= sizeof lockpath) {
        snprintf(err, errlen, "database %s: path too long", dbpath);
        return -1;
    }
    int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EACCES) fd = open(lockpath, O_RDONLY | O_CLOEXEC); /* another user's: flock it all the same */
    if (fd < 0) {
        snprintf(err, errlen, "database %s: lock file %s: %s", dbpath, lockpath, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            name_holder(fd, dbpath, lockpath, err, errlen);
        else
            snprintf(err, errlen, "database %s: lock file %s: %s", dbpath, lockpath, strerror(errno));
        close(fd);
        return -1;
    }
    char line[400];
    int n = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), holder);
    if (n >= (int)sizeof line) n = (int)sizeof line - 1;
    /* A holder line that cannot be written leaves the lock held; the next
     * process then says "another process". */
    clear_line(fd);
    if (pwrite(fd, line, (size_t)n, 0) != n) clear_line(fd);
    l->fd = fd;
    return 0;
}

void q_lock_release(q_lock *l)
{
    if (l->fd < 0) return;
    clear_line(l->fd); /* the line would name a process that is gone */
    close(l->fd); /* drops the flock */
    l->fd = -1;
}
