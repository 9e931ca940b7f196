/* Tests of common/xalloc: allocation, and asking for pages ahead of use. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "background.h"
#include "xalloc.h"

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* Fresh memory that no one has touched: no page of it is resident yet. */
static uint8_t *untouched(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    return p;
}

/* Pages of [p, p + size) that are resident (p page-aligned). */
static size_t resident_pages(const uint8_t *p, size_t size)
{
    size_t pages = (size + page_size() - 1) / page_size(), n = 0;
    unsigned char *v = xmalloc(pages);
    ck_assert_int_eq(mincore((void *)p, size, v), 0);
    for (size_t i = 0; i < pages; i++)
        n += v[i] & 1;
    free(v);
    return n;
}

/* Whether this system backs pages on request (Linux 5.14 and later):
 * where it does not, xprefault is documented to do nothing. */
static int system_prefaults(void)
{
#ifdef MADV_POPULATE_WRITE
    uint8_t *p = untouched(page_size());
    int ok = madvise(p, page_size(), MADV_POPULATE_WRITE) == 0;
    munmap(p, page_size());
    return ok;
#else
    return 0;
#endif
}

START_TEST(test_prefaulted_pages_are_resident_and_keep_what_they_held)
{
    size_t size = 4 << 20;
    uint8_t *p = untouched(size);
    memset(p + size / 2, 0xAB, 100);   /* one page written before */
    xprefault(p, size);
    if (system_prefaults())
        ck_assert_uint_eq(resident_pages(p, size), size / page_size());
    for (size_t i = 0; i < size; i += 4096)
        ck_assert_uint_eq(p[i], i == size / 2 ? 0xAB : 0);
    ck_assert_uint_eq(p[size / 2 + 99], 0xAB);
    munmap(p, size);
}
END_TEST

START_TEST(test_a_small_range_and_the_partial_pages_at_its_ends_are_left_alone)
{
    size_t size = 4 << 20;
    uint8_t *p = untouched(size);
    xprefault(p + 1, XPREFAULT_MIN - 1);   /* under the minimum: nothing */
    ck_assert_uint_eq(resident_pages(p, size), 0);
    xprefault(p + 1, 2 * XPREFAULT_MIN);   /* the first and last pages are only partly inside */
    if (system_prefaults())
        ck_assert_uint_eq(resident_pages(p, size), 2 * XPREFAULT_MIN / page_size() - 1);
    ck_assert_uint_eq(resident_pages(p, page_size()), 0);
    munmap(p, size);
}
END_TEST

START_TEST(test_pages_are_asked_for_a_chunk_ahead_of_the_writer_never_past_the_buffer)
{
    size_t size = (10 << 20) + 12345, ready = 0;
    uint8_t *p = untouched(size);
    for (size_t used = 0; used <= size; used += 64 << 10) {
        xprefault_ahead(p, used, size, &ready);
        ck_assert_uint_le(ready, size);
        ck_assert_uint_ge(ready, used + (512 << 10) < size ? used + (512 << 10) : size);   /* ahead */
        ck_assert_uint_le(ready, used + (2 << 20));   /* but not far ahead */
        if (system_prefaults() && ready < size - page_size())   /* the memory grows with the writer */
            ck_assert_uint_eq(resident_pages(p + (ready + page_size() - 1) / page_size() * page_size(),
                                             page_size()), 0);
        memset(p + used, 1, used + (64 << 10) <= size ? 64 << 10 : size - used);
    }
    xprefault_ahead(p, size, size, &ready);
    ck_assert_uint_eq(ready, size);
    munmap(p, size);
}
END_TEST

START_TEST(test_pages_asked_for_by_the_helper_thread_are_resident_once_it_is_done)
{
    size_t size = 4 << 20;
    for (int thread = 0; thread < 2; thread++) {
        bg_set_enabled(thread);
        uint8_t *p = untouched(size);
        p[size / 2] = 0xAB;
        xprefault_async(p, size / 4);   /* a quarter: the rest stays alone */
        xprefault_async(p + size / 2, XPREFAULT_MIN - 1);   /* under the minimum: nothing */
        bg_wait();
        if (system_prefaults())
            ck_assert_uint_eq(resident_pages(p, size), size / 4 / page_size() + 1);
        ck_assert_uint_eq(p[size / 2], 0xAB);
        ck_assert_uint_eq(p[0], 0);
        munmap(p, size);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xalloc");
    TCase *tc = tcase_create("prefault");
    tcase_add_test(tc, test_prefaulted_pages_are_resident_and_keep_what_they_held);
    tcase_add_test(tc, test_a_small_range_and_the_partial_pages_at_its_ends_are_left_alone);
    tcase_add_test(tc, test_pages_are_asked_for_a_chunk_ahead_of_the_writer_never_past_the_buffer);
    tcase_add_test(tc, test_pages_asked_for_by_the_helper_thread_are_resident_once_it_is_done);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
