/* quarantine/lock.h: a store is held by one process at a time.
 *
 * Two runs on one database would both resume from the same restart marker
 * and store every reject and slashing twice. The holder takes an exclusive
 * flock(2) on the sidecar file DB.lock (created when absent, never removed)
 * and writes "PID COMMAND" into it; a second process finds the lock taken and
 * names the holder from that line. flock, not fcntl: SQLite's own locks on
 * the database file are POSIX fcntl locks, which a process loses when it
 * closes any descriptor of that file, and which do not exclude a second open
 * within one process; a flock belongs to the open file description. The
 * kernel drops the flock when its holder dies, even by SIGKILL: a lock file
 * left behind blocks nothing, only a live holder's flock does.
 */
#ifndef Q_LOCK_H
#define Q_LOCK_H

#include <stddef.h>

typedef struct q_lock {
    int fd; /* DB.lock, holding the flock; -1 when not held */
} q_lock;

/* Takes the lock of the database at dbpath, without waiting, and records
 * this process as its holder (holder: the command, for the message of the
 * next one). Returns 0, or -1 with a one-line reason in err: "database DB is
 * in use by pid N (COMMAND)" when another holds it. */
int q_lock_take(q_lock *l, const char *dbpath, const char *holder, char *err, size_t errlen);

/* Clears the holder line and drops the lock. Safe on a lock not held. */
void q_lock_release(q_lock *l);

#endif /* Q_LOCK_H */
