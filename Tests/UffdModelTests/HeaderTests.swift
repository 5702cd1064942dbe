/// Golden header text for each preset (the C declarations the design would write).
import Testing
@testable import UffdModel

@Suite struct HeaderTests {
    static let golden: [Preset: String] = [
        .D0: """
        /* D0: mainline before the series (hard-coded memory types) */

        /* There is no struct vm_uffd_ops: mm/userfaultfd.c dispatches on vma_is_anonymous(),
         * vma_is_shmem() and is_vm_hugetlb_page(); any other memory type cannot register. */
        bool vma_can_userfault(struct vm_area_struct *vma, vm_flags_t vm_flags, bool wp_async);
        int shmem_mfill_atomic_pte(pmd_t *dst_pmd, struct vm_area_struct *dst_vma,
        			   unsigned long dst_addr, unsigned long src_addr,
        			   uffd_flags_t flags, struct folio **foliop);
        int shmem_get_folio(struct inode *inode, pgoff_t index, loff_t write_end,
        		    struct folio **foliop, enum sgp_type sgp);
        """,
        .P2: """
        /* P2: Peter Xu v2: userfaultfd_ops, uffd_features+uffd_ioctls, uffd_get_folio, uffd_copy */

        /**
         * struct vm_uffd_ops - userfaultfd operations of a memory type
         * @uffd_features: the VM_UFFD_MISSING|WP|MINOR modes this memory type supports.
         * @uffd_ioctls: BIT(_UFFDIO_*) mask of supported ioctls; API, REGISTER, UNREGISTER and WAKE are implied.
         * @uffd_get_folio: look up the page-cache folio at @pgoff for UFFDIO_CONTINUE.
         *   Must be specified if _UFFDIO_CONTINUE is set.
         * @uffd_copy: resolve UFFDIO_COPY/ZEROPAGE for a shared mapping of this type.
         */
        struct vm_uffd_ops {
        	unsigned long uffd_features;
        	unsigned long uffd_ioctls;
        	int (*uffd_get_folio)(struct inode *inode, pgoff_t pgoff, struct folio **folio);
        	int (*uffd_copy)(pmd_t *dst_pmd, struct vm_area_struct *dst_vma,
        			 unsigned long dst_addr, unsigned long src_addr,
        			 uffd_flags_t flags, struct folio **foliop);
        };
        typedef struct vm_uffd_ops vm_uffd_ops;

        struct vm_operations_struct {
        	/* ... */
        #ifdef CONFIG_USERFAULTFD
        	const struct vm_uffd_ops *userfaultfd_ops;
        #endif
        };

        /* Modules whose ->fault() must raise a userfault call handle_userfault(vmf, reason). */
        vm_fault_t handle_userfault(struct vm_fault *vmf, unsigned long reason);
        """,
        .P4: """
        /* P4: Peter Xu v3/v4: supported_ioctls + minor_get_folio, no copy hook */

        /**
         * struct vm_uffd_ops - userfaultfd operations of a memory type
         * @supported_ioctls: BIT(_UFFDIO_*) mask of supported ioctls; API, REGISTER, UNREGISTER and WAKE are implied.
         *   Modes are derived: COPY/ZEROPAGE give MISSING, CONTINUE gives MINOR, WRITEPROTECT gives WP.
         * @minor_get_folio: look up the page-cache folio at @pgoff for UFFDIO_CONTINUE.
         *   Must be specified if _UFFDIO_CONTINUE is set.
         */
        struct vm_uffd_ops {
        	unsigned long supported_ioctls;
        	int (*minor_get_folio)(struct inode *inode, pgoff_t pgoff, struct folio **folio);
        };

        struct vm_operations_struct {
        	/* ... */
        #ifdef CONFIG_USERFAULTFD
        	const struct vm_uffd_ops *userfaultfd_ops;
        #endif
        };

        /* Modules whose ->fault() must raise a userfault call handle_userfault(vmf, reason). */
        vm_fault_t handle_userfault(struct vm_fault *vmf, unsigned long reason);
        """,
        .L1: """
        /* L1: Lorenzo Stoakes: get_uffd_ops(vma) handler, otherwise v2 semantics */

        /**
         * struct vm_uffd_ops - userfaultfd operations of a memory type
         * @features: the VM_UFFD_MISSING|WP|MINOR modes this memory type supports.
         * @ioctls: BIT(_UFFDIO_*) mask of supported ioctls; API, REGISTER, UNREGISTER and WAKE are implied.
         * @get_folio: look up the page-cache folio at @pgoff for UFFDIO_CONTINUE.
         *   Must be specified if _UFFDIO_CONTINUE is set.
         * @copy: resolve UFFDIO_COPY/ZEROPAGE for a shared mapping of this type.
         */
        struct vm_uffd_ops {
        	unsigned long features;
        	unsigned long ioctls;
        	int (*get_folio)(struct inode *inode, pgoff_t pgoff, struct folio **folio);
        	int (*copy)(pmd_t *dst_pmd, struct vm_area_struct *dst_vma,
        			 unsigned long dst_addr, unsigned long src_addr,
        			 uffd_flags_t flags, struct folio **foliop);
        };

        struct vm_operations_struct {
        	/* ... */
        #ifdef CONFIG_USERFAULTFD
        	/* May answer per VMA, like get_policy(); NULL: this VMA cannot userfault. */
        	const struct vm_uffd_ops *(*get_uffd_ops)(struct vm_area_struct *vma);
        #endif
        };

        /* Modules whose ->fault() must raise a userfault call handle_userfault(vmf, reason). */
        vm_fault_t handle_userfault(struct vm_fault *vmf, unsigned long reason);
        """,
        .M: """
        /* M: Mike Rapoport 2026: uffd_ops with can_userfault/get_folio_noalloc/alloc_folio/filemap_add */

        /**
         * struct vm_uffd_ops - userfaultfd operations of a memory type
         * @can_userfault: may @vma be registered for @vm_flags (VM_UFFD_MISSING|WP|MINOR)?
         *   Called with mmap_write_lock held (registration); must not sleep on locks the fault path holds.
         * @get_folio_noalloc: find the page-cache folio at @pgoff for UFFDIO_CONTINUE, never allocate.
         *   Returns the folio locked and with a reference held; NULL or ERR_PTR fails the ioctl with -EFAULT.
         *   Called with the VMA lock (or mmap_lock) and map_changing_lock held for read; PTL not held.
         * @alloc_folio: allocate (and charge) a folio for COPY/ZEROPAGE at @addr; NULL means -ENOMEM.
         *   Called with the VMA lock and map_changing_lock held for read; must not touch page tables.
         * @filemap_add: lock @folio and insert it into the page cache; install unlocks it.
         * @filemap_remove: undo @filemap_add when installing the PTE fails.
         *
         * Core mm owns the unlocked copy retry: it snapshots the VMA, drops the locks, copies and
         * re-validates; handlers never see -ENOENT or a foliop.
         */
        struct vm_uffd_ops {
        	bool (*can_userfault)(struct vm_area_struct *vma, vm_flags_t vm_flags);
        	struct folio *(*get_folio_noalloc)(struct inode *inode, pgoff_t pgoff);
        	struct folio *(*alloc_folio)(struct vm_area_struct *vma, unsigned long addr);
        	int (*filemap_add)(struct folio *folio, struct vm_area_struct *vma, unsigned long addr);
        	void (*filemap_remove)(struct folio *folio, struct vm_area_struct *vma);
        };

        struct vm_operations_struct {
        	/* ... */
        #ifdef CONFIG_USERFAULTFD
        	const struct vm_uffd_ops *uffd_ops;
        #endif
        };

        /* ->fault() returns VM_FAULT_UFFD_MINOR / VM_FAULT_UFFD_MISSING (or __do_fault() calls
         * __do_userfault()); modules never call handle_userfault() themselves. */
        """,
    ]

    @Test(arguments: Preset.allCases)
    func headerMatchesGolden(_ p: Preset) {
        #expect(HeaderRenderer.render(Design(preset: p)) == (Self.golden[p] ?? "") + "\n")
    }

    @Test func namingKnobRenamesTheContinueHandler() throws {
        let d = try Design.parse("P4,naming=handle_continue")
        #expect(HeaderRenderer.render(d).contains("int (*handle_continue)(struct inode *inode, pgoff_t pgoff, struct folio **folio);"))
        let m = try Design.parse("M,handler_ctx=yes,lock_doc=no")
        let text = HeaderRenderer.render(m)
        #expect(text.contains("struct folio *(*alloc_folio)(struct userfaultfd_ctx *ctx, struct vm_area_struct *vma, unsigned long addr);"))
        #expect(!text.contains("Called with"))
    }
}
