/* Code addresses to names, for the trace (task spans named after their
 * task) and the misuse messages (the function a sync is in).
 *
 * A lookup reads the ELF symbol table of the object holding the address
 * (the program, or a shared library), so it also names static functions,
 * which dladdr cannot (it sees only dynamic symbols): the typed tasks' run
 * wrappers (`fib__weft_run`) are static inline. A stripped object gives no
 * name. Slow (the first lookup in an object maps its file): for exit time
 * and for messages before an abort, never for a hot path.
 */
#ifndef WEFT_RUNTIME_SYMBOLS_H
#define WEFT_RUNTIME_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One object's symbol table, kept mapped between lookups; zero it before
 * the first lookup, and release it with weft__symbols_close. Not shared
 * between threads. */
typedef struct weft__symbols {
    uintptr_t bias;          /* the object's load address (its link_map l_addr) */
    char path[512];          /* the object's file, "" before the first lookup */
    void *map;               /* the file, mapped; NULL: none, or no symbols */
    size_t map_len;
    const void *syms;        /* its SHT_SYMTAB (Elf64_Sym[nsyms]) */
    size_t nsyms;
    const char *strs;        /* its string table */
    size_t strs_len;
} weft__symbols;

/* The function that holds addr: its name into out (at most len bytes, NUL-
 * terminated) and *off the offset of addr into it; false when none is
 * known (no object, or a stripped one). */
bool weft__symbols_lookup(weft__symbols *s, const void *addr, char *out, size_t len, uintptr_t *off);

/* The name of the task whose frame function is fn: the typed macros' run
 * wrapper `NAME__weft_run` gives NAME, a raw task function its own name;
 * fallback when unknown. Into out (len bytes). */
void weft__symbols_task_name(weft__symbols *s, const void *fn, char *out, size_t len,
                             const char *fallback);

/* "OBJ+0xOFF" (the object file holding pc, and the address addr2line reads
 * in it, PIE or not) into out; the program is named by /proc/self/exe. */
void weft__symbols_site(const void *pc, char *out, size_t len);

void weft__symbols_close(weft__symbols *s);

#endif
