import Linking
@testable import TUICore

/// A small hand-made review: a patch with one hunk and a comment linked to a knob, and a reply.
enum Fixture {
    static let linkOps = Link(target: LinkTarget(kind: .knob, id: "ops_lookup"), origin: .identifier,
                              matched: "get_uffd_ops", reason: "a per-VMA lookup handler")
    static let linkS6 = Link(target: LinkTarget(kind: .scenario, id: "S6"), origin: .identifier,
                             matched: "guest_memfd", reason: "a guest_memfd-like module")

    static var review: ReviewView {
        let patch = MessageView(messageID: "p1@x", subject: "[PATCH 1/1] mm: add vm_uffd_ops", author: "Peter Xu",
                                date: "2025-06-27 15:46", isPatch: true, lines: [
            ReviewLine(.header, "From: Peter Xu"),
            ReviewLine(.text, "Add the ops."),
            ReviewLine(.fileHeader, "modified include/linux/mm.h  +1 -0"),
            ReviewLine(.hunkHeader, "@@ -10,2 +10,3 @@"),
            ReviewLine(.context, " struct vm_operations_struct {", old: 10, new: 10),
            ReviewLine(.added, "+\tconst struct vm_uffd_ops *userfaultfd_ops;", new: 11),
            ReviewLine(.commentHeader, "Lorenzo Stoakes, 2025-06-30 10:15", links: [linkOps, linkS6], comment: 0),
            ReviewLine(.comment, "Use get_uffd_ops() instead.", comment: 0),
            ReviewLine(.context, " };", old: 11, new: 12),
        ])
        let reply = MessageView(messageID: "r1@x", subject: "Re: [PATCH 1/1] mm: add vm_uffd_ops", author: "Lorenzo Stoakes",
                                date: "2025-06-30 10:15", isPatch: false, lines: [
            ReviewLine(.header, "From: Lorenzo Stoakes"),
            ReviewLine(.quote, "> +\tconst struct vm_uffd_ops *userfaultfd_ops;"),
            ReviewLine(.text, "Use get_uffd_ops() instead."),
        ])
        return ReviewView(title: "fixture", entries: [
            TreeEntry(kind: .series, depth: 0, label: "mm: add vm_uffd_ops", commentCount: 1),
            TreeEntry(kind: .patch, depth: 1, label: "1/1 mm: add vm_uffd_ops", badges: ["R-b"], commentCount: 1, message: 0),
            TreeEntry(kind: .reply, depth: 2, label: "Re: Lorenzo Stoakes", commentCount: 1, message: 1),
        ], messages: [patch, reply], comments: [
            CommentRef(message: 0, line: 6, author: "Lorenzo Stoakes", summary: "Use get_uffd_ops() instead.", links: [linkOps, linkS6]),
        ])
    }

    static func snapshot(preset: String = "P2", overrides: [String: String] = [:], s1: String = "0 copy=4096") -> ModelSnapshot {
        ModelSnapshot(
            choice: DesignChoice(preset: preset, overrides: overrides), presets: ["D0", "P2", "M"],
            knobs: [KnobView(id: "ops_lookup", title: "where ops are found", value: overrides["ops_lookup"] ?? "vm_ops_pointer",
                             options: ["vm_ops_pointer", "get_uffd_ops"]),
                    KnobView(id: "naming", title: "names", value: "as_posted", options: ["as_posted"], cosmetic: true)],
            scenarios: [ScenarioView(id: "S1", title: "fault then COPY", outcome: s1),
                        ScenarioView(id: "S6", title: "gmem MINOR", outcome: "REGISTER ok")],
            warnings: [WarningView(title: "possible recursive locking", lines: ["mmap_lock held", "mmap_read_lock again"])],
            header: ["struct vm_uffd_ops {", "};"])
    }

    static var state: AppState { AppState(review: review, size: Size(columns: 80, rows: 24), snapshot: snapshot()) }
}
