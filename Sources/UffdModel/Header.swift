/// Renders the C declarations a design would write: `struct vm_uffd_ops` and the hook that finds it.
import Foundation

extension Design {
    /// Whether member names drop the `uffd_` prefix (facts §1.5 A4).
    var stripped: Bool { value(of: "naming") == "prefix_stripped" || (value(of: "naming") == "as_posted" && preset == .L1) }

    /// Name of the CONTINUE handler under the naming knob (facts §1.2, §1.3, §1.5 A4).
    var continueHandlerName: String {
        switch value(of: "naming") {
        case "prefix_stripped": return "get_folio"
        case "handle_continue": return "handle_continue"
        case "minor_get_folio": return "minor_get_folio"
        case "get_folio_noalloc": return "get_folio_noalloc"
        default:
            switch preset {
            case .D0, .P2: return "uffd_get_folio"
            case .P4: return "minor_get_folio"
            case .L1: return "get_folio"
            case .M: return "get_folio_noalloc"
            }
        }
    }
}

/// Renders headers.
public enum HeaderRenderer {
    /// The declarations of `design` as C text with kernel-doc comments.
    public static func render(_ design: Design) -> String {
        guard design.hasOps else { return mainline(design) }
        let d = design
        let doc = d.value(of: "lock_doc") == "yes"
        let ctxParam = d.handlerGetsCtx ? "struct userfaultfd_ctx *ctx, " : ""
        let featuresName = d.stripped ? "features" : "uffd_features"
        let ioctlsName = d.stripped ? "ioctls" : ((d.capabilities == .ioctls && d.preset != .P2 && d.preset != .D0) ? "supported_ioctls" : "uffd_ioctls")
        let getFolio = d.continueHandlerName
        let copyName = d.stripped ? "copy" : "uffd_copy"
        var fields: [(doc: [String], decl: String)] = []
        if d.capabilities == .handlers {
            fields.append(([
                "@can_userfault: may @vma be registered for @vm_flags (VM_UFFD_MISSING|WP|MINOR)?",
            ] + (doc ? ["  Called with mmap_write_lock held (registration); must not sleep on locks the fault path holds."] : []),
                           "bool (*can_userfault)(struct vm_area_struct *vma, vm_flags_t vm_flags);"))
        }
        if d.capabilities == .features_and_ioctls {
            fields.append((["@\(featuresName): the VM_UFFD_MISSING|WP|MINOR modes this memory type supports."],
                           "unsigned long \(featuresName);"))
        }
        if d.capabilities != .handlers {
            var lines = ["@\(ioctlsName): BIT(_UFFDIO_*) mask of supported ioctls; API, REGISTER, UNREGISTER and WAKE are implied."]
            if d.capabilities == .ioctls { lines.append("  Modes are derived: COPY/ZEROPAGE give MISSING, CONTINUE gives MINOR, WRITEPROTECT gives WP.") }
            fields.append((lines, "unsigned long \(ioctlsName);"))
        }
        if d.capabilities == .handlers {
            fields.append((["@\(getFolio): find the page-cache folio at @pgoff for UFFDIO_CONTINUE, never allocate.",
                            "  Returns the folio locked and with a reference held; NULL or ERR_PTR fails the ioctl with -EFAULT."]
                           + (doc ? ["  Called with the VMA lock (or mmap_lock) and map_changing_lock held for read; PTL not held."] : []),
                           "struct folio *(*\(getFolio))(struct inode *inode, pgoff_t pgoff);"))
        } else {
            fields.append((["@\(getFolio): look up the page-cache folio at @pgoff for UFFDIO_CONTINUE.",
                            "  Must be specified if _UFFDIO_CONTINUE is set."]
                           + (doc ? ["  Called with the VMA lock (or mmap_lock) and map_changing_lock held for read; PTL not held.",
                                     "  Returns the folio locked; must not allocate and must not take mmap_lock."] : []),
                           "int (*\(getFolio))(struct inode *inode, pgoff_t pgoff, struct folio **folio);"))
        }
        switch d.delegation {
        case .core:
            break
        case .uffd_copy:
            fields.append((["@\(copyName): resolve UFFDIO_COPY/ZEROPAGE for a shared mapping of this type."]
                           + (doc ? ["  Called with the VMA lock (or mmap_lock) and map_changing_lock held for read and",
                                     "  @dst_pmd established; PTL and folio lock not held. Must copy with pagefault_disable();",
                                     "  on failure store the folio in *@foliop and return -ENOENT to get the unlocked retry.",
                                     "  Must not take mmap_lock, sleep under the PTL, or return -ENOENT for any other reason."] : []),
                           "int (*\(copyName))(\(ctxParam)pmd_t *dst_pmd, struct vm_area_struct *dst_vma,\n\t\t\t unsigned long dst_addr, unsigned long src_addr,\n\t\t\t uffd_flags_t flags, struct folio **foliop);"))
        case .alloc_hooks:
            fields.append((["@alloc_folio: allocate (and charge) a folio for COPY/ZEROPAGE at @addr; NULL means -ENOMEM."]
                           + (doc ? ["  Called with the VMA lock and map_changing_lock held for read; must not touch page tables."] : []),
                           "struct folio *(*alloc_folio)(\(ctxParam)struct vm_area_struct *vma, unsigned long addr);"))
            fields.append((["@filemap_add: lock @folio and insert it into the page cache; install unlocks it."],
                           "int (*filemap_add)(struct folio *folio, struct vm_area_struct *vma, unsigned long addr);"))
            fields.append((["@filemap_remove: undo @filemap_add when installing the PTE fails."],
                           "void (*filemap_remove)(struct folio *folio, struct vm_area_struct *vma);"))
        }
        var out: [String] = []
        out.append("/* \(d.spec): \(d.preset.title) */")
        out.append("")
        out.append("/**")
        out.append(" * struct vm_uffd_ops - userfaultfd operations of a memory type")
        for f in fields {
            for (i, l) in f.doc.enumerated() { out.append(" * " + (i == 0 ? l : l)) }
        }
        if d.retry == .snapshot && doc {
            out.append(" *")
            out.append(" * Core mm owns the unlocked copy retry: it snapshots the VMA, drops the locks, copies and")
            out.append(" * re-validates; handlers never see -ENOENT or a foliop.")
        } else if d.delegation == .uffd_copy && doc {
            out.append(" *")
            out.append(" * The -ENOENT/foliop protocol: the copy handler owns the retry folio until core consumes it.")
        }
        out.append(" */")
        out.append("struct vm_uffd_ops {")
        for f in fields { out.append("\t" + f.decl) }
        out.append("};")
        if d.value(of: "typedef") == "yes" { out.append("typedef struct vm_uffd_ops vm_uffd_ops;") }
        out.append("")
        let fieldName = (d.preset == .M || d.stripped) ? "uffd_ops" : "userfaultfd_ops"
        switch d.lookup {
        case .hardcoded:
            break
        case .vm_ops_pointer:
            out += ["struct vm_operations_struct {", "\t/* ... */", "#ifdef CONFIG_USERFAULTFD",
                    "\tconst struct vm_uffd_ops *\(fieldName);", "#endif", "};"]
        case .get_uffd_ops:
            out += ["struct vm_operations_struct {", "\t/* ... */", "#ifdef CONFIG_USERFAULTFD",
                    "\t/* May answer per VMA, like get_policy(); NULL: this VMA cannot userfault. */",
                    "\tconst struct vm_uffd_ops *(*get_uffd_ops)(struct vm_area_struct *vma);", "#endif", "};"]
        case .file_level:
            out += ["struct file_operations {", "\t/* ... */", "#ifdef CONFIG_USERFAULTFD",
                    "\tconst struct vm_uffd_ops *\(fieldName);", "#endif", "};"]
        }
        if d.coreCallsUserfault {
            out += ["", "/* ->fault() returns VM_FAULT_UFFD_MINOR / VM_FAULT_UFFD_MISSING (or __do_fault() calls",
                    " * __do_userfault()); modules never call handle_userfault() themselves. */"]
        } else {
            out += ["", "/* Modules whose ->fault() must raise a userfault call handle_userfault(vmf, reason). */",
                    "vm_fault_t handle_userfault(struct vm_fault *vmf, unsigned long reason);"]
        }
        return out.joined(separator: "\n") + "\n"
    }

    private static func mainline(_ d: Design) -> String {
        var out = ["/* \(d.spec): \(d.preset.title) */", "",
                   "/* There is no struct vm_uffd_ops: mm/userfaultfd.c dispatches on vma_is_anonymous(),",
                   " * vma_is_shmem() and is_vm_hugetlb_page(); any other memory type cannot register. */",
                   "bool vma_can_userfault(struct vm_area_struct *vma, vm_flags_t vm_flags, bool wp_async);",
                   "int shmem_mfill_atomic_pte(pmd_t *dst_pmd, struct vm_area_struct *dst_vma,",
                   "\t\t\t   unsigned long dst_addr, unsigned long src_addr,",
                   "\t\t\t   uffd_flags_t flags, struct folio **foliop);",
                   "int shmem_get_folio(struct inode *inode, pgoff_t index, loff_t write_end,",
                   "\t\t    struct folio **foliop, enum sgp_type sgp);"]
        if d.retry == .snapshot {
            out.append("/* retry=snapshot: mfill_copy_folio_retry() snapshots the VMA and re-validates after the unlocked copy. */")
        }
        if !d.continuePrivate {
            out.append("/* continue_private=shared_only: UFFDIO_CONTINUE refused on MAP_PRIVATE mappings. */")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
