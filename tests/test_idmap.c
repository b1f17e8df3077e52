/* test_idmap.c — sim/idmap against a plain array over random puts, gets and deletes
 * of ids drawn from a small range (so they collide and deletes shift runs back),
 * including id 0 and ids that differ only in their high bits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include "sim/idmap.h"

#define IDS 3000

static uint64_t id_of(unsigned i) { return (uint64_t)(i % 3) << 56 | (i / 3); }

static void test_against_array(void **state)
{
    (void)state;
    static uint64_t val[IDS];
    static bool in[IDS];
    struct idmap m = { 0 };
    uint64_t x = 88172645463325252ull;          /* xorshift64: a fixed sequence */
    size_t n = 0;
    for (int step = 0; step < 400000; step++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned i = (unsigned)(x % IDS), op = (unsigned)(x >> 32) % 3;
        uint64_t id = id_of(i);
        if (op == 0) {
            bool added;
            uint64_t *v = idmap_put(&m, id, &added);
            assert_int_equal(added, !in[i]);
            if (added)
                assert_int_equal(*v, 0);
            else
                assert_int_equal(*v, val[i]);
            *v = val[i] = x;
            n += !in[i];
            in[i] = true;
        } else if (op == 1) {
            assert_int_equal(idmap_del(&m, id), in[i]);
            n -= in[i];
            in[i] = false;
        } else {
            uint64_t *v = idmap_get(&m, id);
            if (in[i])
                assert_int_equal(*v, val[i]);
            else
                assert_null(v);
        }
        assert_int_equal(m.n, n);
    }
    for (unsigned i = 0; i < IDS; i++) {
        uint64_t *v = idmap_get(&m, id_of(i));
        if (in[i])
            assert_int_equal(*v, val[i]);
        else
            assert_null(v);
    }
    idmap_free(&m);
    assert_null(idmap_get(&m, 0));
    assert_false(idmap_del(&m, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
