/* Code addresses to names (contract in symbols.h): the object's file is
 * found through dladdr1's link map, mapped read-only, and its .symtab
 * searched for the STT_FUNC symbol that covers the address. Linear search:
 * lookups happen at exit (once per distinct task function) and before an
 * abort. */
#include "runtime/instrumentation/symbols.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The object holding addr: its file path and load bias; false if none. */
static bool object_of(const void *addr, char *path, size_t len, uintptr_t *bias)
{
    Dl_info dl;
    struct link_map *lm = NULL;
    if (!dladdr1(addr, &dl, (void **)&lm, RTLD_DL_LINKMAP) || lm == NULL) return false;
    *bias = (uintptr_t)lm->l_addr;
    if (lm->l_name[0] == '\0') { /* the program itself */
        ssize_t n = readlink("/proc/self/exe", path, len - 1);
        if (n <= 0) return false;
        path[n] = '\0';
    } else {
        snprintf(path, len, "%s", lm->l_name);
    }
    return true;
}

void weft__symbols_close(weft__symbols *s)
{
    if (s->map) munmap(s->map, s->map_len);
    *s = (weft__symbols){0};
}

/* Maps path and finds its symbol table; s->map stays NULL when there is
 * none (the lookups then give no name). */
static void load(weft__symbols *s, const char *path, uintptr_t bias)
{
    weft__symbols_close(s);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->bias = bias;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(Elf64_Ehdr))
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return;
    size_t n = (size_t)st.st_size;
    const unsigned char *b = map;
    const Elf64_Ehdr *eh = map;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_shoff > n || (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > n - eh->e_shoff) {
        munmap(map, n);
        return;
    }
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
        const Elf64_Shdr *str = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > n || sh[i].sh_size > n - sh[i].sh_offset ||
            str->sh_offset > n || str->sh_size > n - str->sh_offset || str->sh_size == 0)
            break;
        s->map = map;
        s->map_len = n;
        s->syms = b + sh[i].sh_offset;
        s->nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
        s->strs = (const char *)b + str->sh_offset;
        s->strs_len = str->sh_size;
        return;
    }
    munmap(map, n);
}

bool weft__symbols_lookup(weft__symbols *s, const void *addr, char *out, size_t len, uintptr_t *off)
{
    char path[sizeof s->path];
    uintptr_t bias;
    if (!object_of(addr, path, sizeof path, &bias)) return false;
    if (strcmp(path, s->path) != 0 || bias != s->bias) load(s, path, bias);
    if (s->map == NULL) return false;
    uintptr_t a = (uintptr_t)addr - s->bias;
    const Elf64_Sym *sym = s->syms;
    for (size_t i = 0; i < s->nsyms; i++) {
        if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_value == 0) continue;
        uintptr_t lo = (uintptr_t)sym[i].st_value;
        if (a < lo || a - lo >= (sym[i].st_size ? sym[i].st_size : 1)) continue;
        if (sym[i].st_name >= s->strs_len) return false;
        const char *name = s->strs + sym[i].st_name;
        snprintf(out, len, "%.*s", (int)strnlen(name, s->strs_len - sym[i].st_name), name);
        if (off) *off = a - lo;
        return true;
    }
    return false;
}

void weft__symbols_task_name(weft__symbols *s, const void *fn, char *out, size_t len,
                             const char *fallback)
{
    if (!weft__symbols_lookup(s, fn, out, len, NULL)) {
        snprintf(out, len, "%s", fallback);
        return;
    }
    char *dot = strchr(out, '.'); /* a compiler's clone: fib__weft_run.part.0 */
    if (dot && dot != out) *dot = '\0';
    static const char suffix[] = "__weft_run";
    size_t n = strlen(out), k = sizeof suffix - 1;
    if (n > k && strcmp(out + n - k, suffix) == 0) out[n - k] = '\0';
}

void weft__symbols_site(const void *pc, char *out, size_t len)
{
    char obj[512] = "?";
    uintptr_t bias = 0;
    if (!object_of(pc, obj, sizeof obj, &bias)) snprintf(obj, sizeof obj, "?");
    snprintf(out, len, "%s+%#lx", obj, (unsigned long)((uintptr_t)pc - bias));
}
