/* Contracts as code: the assertions on the scheduler's protocol invariants
 * (in the style of Weave's `preCondition` / `postCondition` / `ascertain`,
 * weave/contracts.nim, and SQLite's dense asserts).
 *
 *   WEFT__ASSERT(cond)           cond must hold
 *   WEFT__ASSERT_CMP(a, op, b)   a op b must hold, for integers a and b
 *
 * On failure they print one line to stderr and abort, e.g. (wrapped here):
 *
 *   weft: worker 3: check failed at runtime/scheduler/steal.c:120
 *   (weft__handle_requests): w->nwaiting <= w->nchildren  (w->nwaiting = 3, w->nchildren = 2)
 *
 * the expression, the value of each side (CMP), where, and the calling
 * worker's id (-1 outside a worker). Each side is evaluated exactly once.
 *
 * They are compiled out when NDEBUG is defined (then neither side is
 * evaluated); the default build (OPT=-O2 -g) and the sanitizer builds keep
 * them. They stay off the inline spawn/sync fast paths of include/weft.h, so
 * a release figure cannot depend on them.
 */
#ifndef WEFT_RUNTIME_CHECK_H
#define WEFT_RUNTIME_CHECK_H

/* Prints the failure line (a, b: the sides' values when has_values) and
 * aborts. Any thread. Out of line and cold: a check costs a compare and a
 * not-taken branch where it passes. */
_Noreturn void weft__check_failed(const char *expr, const char *file, int line, const char *func,
                                  int has_values, const char *a_text, unsigned long long a,
                                  const char *b_text, unsigned long long b)
    __attribute__((cold, noinline));

#ifdef NDEBUG
#define WEFT__ASSERT(cond) ((void)0)
#define WEFT__ASSERT_CMP(a, op, b) ((void)0)
#else
#define WEFT__ASSERT(cond)                                                              \
    (__builtin_expect(!!(cond), 1) ? (void)0                                            \
                                   : weft__check_failed(#cond, __FILE__, __LINE__, __func__, \
                                                        0, "", 0, "", 0))
/* The sides keep their own types for the comparison and are printed as
 * unsigned long long (the invariants compare counters and indices). */
#define WEFT__ASSERT_CMP(a, op, b) __extension__({                                      \
        __typeof__(a) weft__ck_a = (a);                                                 \
        __typeof__(b) weft__ck_b = (b);                                                 \
        if (__builtin_expect(!(weft__ck_a op weft__ck_b), 0))                           \
            weft__check_failed(#a " " #op " " #b, __FILE__, __LINE__, __func__, 1,      \
                               #a, (unsigned long long)weft__ck_a,                      \
                               #b, (unsigned long long)weft__ck_b);                     \
        (void)0; })
#endif

#endif
