/// UffdModel: an executable specification of the kernel's userfaultfd paths and of the
/// `vm_uffd_ops` design alternatives argued in the thread. Pure: Foundation only.
import Foundation
