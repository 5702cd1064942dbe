/*
 * uffd_probe_abi.h: the userfaultfd uapi values the probe needs.
 *
 * The system header /usr/include/linux/userfaultfd.h on the build machine predates the running
 * kernel (it lacks UFFDIO_MOVE, UFFDIO_POISON and the newer feature bits), so every value used by
 * the probe is defined here under a PROBE_ prefix. The numbers are the kernel uapi ABI
 * (include/uapi/linux/userfaultfd.h), which never changes once released.
 */
#ifndef UFFD_PROBE_ABI_H
#define UFFD_PROBE_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>

#define PROBE_UFFD_API ((uint64_t)0xAA)
#define PROBE_UFFDIO 0xAA

/* ioctl numbers (the _UFFDIO_* bit positions reported in uffdio_register.ioctls). */
#define PROBE_NR_REGISTER 0x00
#define PROBE_NR_UNREGISTER 0x01
#define PROBE_NR_WAKE 0x02
#define PROBE_NR_COPY 0x03
#define PROBE_NR_ZEROPAGE 0x04
#define PROBE_NR_MOVE 0x05
#define PROBE_NR_WRITEPROTECT 0x06
#define PROBE_NR_CONTINUE 0x07
#define PROBE_NR_POISON 0x08
#define PROBE_NR_API 0x3F

/* Feature bits negotiated by UFFDIO_API. */
#define PROBE_FEATURE_PAGEFAULT_FLAG_WP (1ULL << 0)
#define PROBE_FEATURE_EVENT_FORK (1ULL << 1)
#define PROBE_FEATURE_EVENT_REMAP (1ULL << 2)
#define PROBE_FEATURE_EVENT_REMOVE (1ULL << 3)
#define PROBE_FEATURE_MISSING_HUGETLBFS (1ULL << 4)
#define PROBE_FEATURE_MISSING_SHMEM (1ULL << 5)
#define PROBE_FEATURE_EVENT_UNMAP (1ULL << 6)
#define PROBE_FEATURE_SIGBUS (1ULL << 7)
#define PROBE_FEATURE_THREAD_ID (1ULL << 8)
#define PROBE_FEATURE_MINOR_HUGETLBFS (1ULL << 9)
#define PROBE_FEATURE_MINOR_SHMEM (1ULL << 10)
#define PROBE_FEATURE_EXACT_ADDRESS (1ULL << 11)
#define PROBE_FEATURE_WP_HUGETLBFS_SHMEM (1ULL << 12)
#define PROBE_FEATURE_WP_UNPOPULATED (1ULL << 13)
#define PROBE_FEATURE_POISON (1ULL << 14)
#define PROBE_FEATURE_WP_ASYNC (1ULL << 15)
#define PROBE_FEATURE_MOVE (1ULL << 16)

/* Registration modes. */
#define PROBE_REGISTER_MODE_MISSING (1ULL << 0)
#define PROBE_REGISTER_MODE_WP (1ULL << 1)
#define PROBE_REGISTER_MODE_MINOR (1ULL << 2)

/* Per-ioctl mode bits. */
#define PROBE_COPY_MODE_DONTWAKE (1ULL << 0)
#define PROBE_COPY_MODE_WP (1ULL << 1)
#define PROBE_ZEROPAGE_MODE_DONTWAKE (1ULL << 0)
#define PROBE_CONTINUE_MODE_DONTWAKE (1ULL << 0)
#define PROBE_CONTINUE_MODE_WP (1ULL << 1)
#define PROBE_POISON_MODE_DONTWAKE (1ULL << 0)
#define PROBE_WRITEPROTECT_MODE_WP (1ULL << 0)
#define PROBE_WRITEPROTECT_MODE_DONTWAKE (1ULL << 1)
#define PROBE_MOVE_MODE_DONTWAKE (1ULL << 0)
#define PROBE_MOVE_MODE_ALLOW_SRC_HOLES (1ULL << 1)

struct probe_uffdio_api {
    uint64_t api;
    uint64_t features;
    uint64_t ioctls;
};

struct probe_uffdio_range {
    uint64_t start;
    uint64_t len;
};

struct probe_uffdio_register {
    struct probe_uffdio_range range;
    uint64_t mode;
    uint64_t ioctls;
};

struct probe_uffdio_copy {
    uint64_t dst;
    uint64_t src;
    uint64_t len;
    uint64_t mode;
    int64_t copy;
};

struct probe_uffdio_zeropage {
    struct probe_uffdio_range range;
    uint64_t mode;
    int64_t zeropage;
};

struct probe_uffdio_writeprotect {
    struct probe_uffdio_range range;
    uint64_t mode;
};

struct probe_uffdio_continue {
    struct probe_uffdio_range range;
    uint64_t mode;
    int64_t mapped;
};

struct probe_uffdio_poison {
    struct probe_uffdio_range range;
    uint64_t mode;
    int64_t updated;
};

struct probe_uffdio_move {
    uint64_t dst;
    uint64_t src;
    uint64_t len;
    uint64_t mode;
    int64_t move;
};

/* Layout of one message read from the uffd (only the event byte is used). */
struct probe_uffd_msg {
    uint8_t event;
    uint8_t reserved1;
    uint16_t reserved2;
    uint32_t reserved3;
    uint64_t arg[3];
};

#define PROBE_UFFDIO_API _IOWR(PROBE_UFFDIO, PROBE_NR_API, struct probe_uffdio_api)
#define PROBE_UFFDIO_REGISTER _IOWR(PROBE_UFFDIO, PROBE_NR_REGISTER, struct probe_uffdio_register)
#define PROBE_UFFDIO_UNREGISTER _IOR(PROBE_UFFDIO, PROBE_NR_UNREGISTER, struct probe_uffdio_range)
#define PROBE_UFFDIO_WAKE _IOR(PROBE_UFFDIO, PROBE_NR_WAKE, struct probe_uffdio_range)
#define PROBE_UFFDIO_COPY _IOWR(PROBE_UFFDIO, PROBE_NR_COPY, struct probe_uffdio_copy)
#define PROBE_UFFDIO_ZEROPAGE _IOWR(PROBE_UFFDIO, PROBE_NR_ZEROPAGE, struct probe_uffdio_zeropage)
#define PROBE_UFFDIO_MOVE _IOWR(PROBE_UFFDIO, PROBE_NR_MOVE, struct probe_uffdio_move)
#define PROBE_UFFDIO_WRITEPROTECT _IOWR(PROBE_UFFDIO, PROBE_NR_WRITEPROTECT, struct probe_uffdio_writeprotect)
#define PROBE_UFFDIO_CONTINUE _IOWR(PROBE_UFFDIO, PROBE_NR_CONTINUE, struct probe_uffdio_continue)
#define PROBE_UFFDIO_POISON _IOWR(PROBE_UFFDIO, PROBE_NR_POISON, struct probe_uffdio_poison)

/* /dev/userfaultfd (Linux 6.1+). */
#define PROBE_USERFAULTFD_IOC_NEW _IO(PROBE_UFFDIO, 0x00)

#endif
