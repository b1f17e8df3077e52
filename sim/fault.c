/* fault.c — see fault.h. */
#include "sim/fault.h"

#include <stdlib.h>
#include <string.h>

static int  state;              /* 0: not read yet, 1: nothing armed, 2: armed */
static char armed[64];
static unsigned long long at, seen;

bool fault_fire(const char *name)
{
    if (state == 1)
        return false;
    if (state == 0) {
        const char *v = getenv("L2SIM_FAULT");
        state = 1;
        if (!v || !*v || strlen(v) >= sizeof armed)
            return false;
        strcpy(armed, v);
        char *n = strchr(armed, '@');
        at = 1;
        if (n) {
            *n = '\0';
            at = strtoull(n + 1, NULL, 10);
        }
        state = 2;
    }
    if (strcmp(name, armed) != 0)
        return false;
    if (++seen != at)
        return false;
    return true;
}
