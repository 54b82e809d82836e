/* Compile-time limits of the runtime, in one place. */
#ifndef WEFT_RUNTIME_LIMITS_H
#define WEFT_RUNTIME_LIMITS_H

/* Most workers one runtime can run (WEFT_NUM_THREADS above it is an error). */
#define WEFT_MAX_WORKERS 256

#endif
