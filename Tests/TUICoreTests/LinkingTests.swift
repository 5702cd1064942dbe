import Foundation
import Linking
import MailCore
import ReviewCore
import Testing
import TestSupport
import UffdModel

struct LinkCase: Sendable, CustomTestStringConvertible {
    var text: String
    var target: String
    var testDescription: String { "\(text) → \(target)" }
}

@Suite struct LinkingTests {
    @Test func shippedRuleTableLoadsWithoutDefects() {
        let table = RuleTable.standard
        #expect(table.defects == [])
        #expect(table.rules.count > 50)
    }

    @Test(arguments: [
        LinkCase(text: "why keep uffd_ioctls at all?", target: "knob:capabilities"),
        LinkCase(text: "uffd_features is redundant", target: "knob:capabilities"),
        LinkCase(text: "struct vm_uffd_ops *(*get_uffd_ops)(struct vm_area_struct *vma);", target: "knob:ops_lookup"),
        LinkCase(text: "return -ENOENT with *foliop set", target: "knob:retry"),
        LinkCase(text: "int (*uffd_copy)(pmd_t *dst_pmd, ...)", target: "knob:copy_delegation"),
        LinkCase(text: "Exposing mm internals to drivers is just a no-go", target: "knob:copy_delegation"),
        LinkCase(text: "please drop the typedef", target: "knob:typedef"),
        LinkCase(text: "rename uffd_get_folio to minor_get_folio", target: "knob:naming"),
        LinkCase(text: "requires VM_SHARED", target: "knob:continue_private"),
        LinkCase(text: "taking mmap_lock inside the hook", target: "lock:mmap_lock"),
        LinkCase(text: "what about guest_memfd?", target: "scenario:S6"),
        LinkCase(text: "does the handler get the uffd_ctx?", target: "knob:handler_ctx"),
        LinkCase(text: "Reuse ->fault() instead", target: "knob:fault_hook"),
        LinkCase(text: "please add kernel-doc for the lock state", target: "knob:lock_doc"),
    ])
    func identifiersAndPhrasesLink(_ c: LinkCase) throws {
        let links = Linker().links(in: c.text)
        let target = try #require(LinkTarget(parsing: c.target))
        let link = links.first { $0.target == target }
        #expect(link != nil, "found \(links.map(\.target.description))")
        #expect(link?.reason.isEmpty == false)
    }

    @Test func identifiersMatchWholeWordsOnly() {
        let links = Linker().links(in: "my_uffd_ioctls_extra and ctxt")
        #expect(links.isEmpty)
    }

    @Test func malformedRowsBecomeDefectsWithLineNumbers() {
        let t = RuleTable(tsv: "# c\nidentifier\tx\tknob:a\twhy\nbogus\tx\tknob:a\twhy\nidentifier\ty\tnothing:a\twhy\nidentifier\tz\n")
        #expect(t.rules.count == 1)
        #expect(t.defects.map(\.line) == [3, 4, 5])
    }

    @Test func badgesAndExplanationsSayWhy() {
        let l = Link(target: LinkTarget(kind: .scenario, id: "S6"), origin: .identifier, matched: "gmem", reason: "module")
        #expect(l.target.badge == "[S6]")
        #expect(LinkTarget(kind: .knob, id: "ops_lookup").badge == "[knob:ops_lookup]")
        #expect(l.explanation == "identifier `gmem` → scenario:S6: module")
    }
}

struct InferenceCase: Sendable, CustomTestStringConvertible {
    var file: String
    var preset: String?
    var version: Int?
    var testDescription: String { "\(file) → \(preset ?? "none")" }
}

/// The preset a thread's own patches implement, told from the members they add.
@Suite struct DesignInferenceTests {
    @Test func eachPresetWithOpsHasMembersOfItsOwn() {
        let table = DesignInference.distinctiveMembers
        #expect(table[.D0] == nil)
        #expect(table[.P2]?.contains("uffd_copy") == true)
        #expect(table[.P4] == ["supported_ioctls", "minor_get_folio"])
        #expect(table[.L1]?.contains("get_uffd_ops") == true)
        #expect(table[.M]?.isSuperset(of: ["get_folio_noalloc", "alloc_folio", "filemap_add"]) == true)
        // No member is claimed by two presets.
        let all = table.values.flatMap { $0 }
        #expect(all.count == Set(all).count)
    }

    @Test(arguments: [
        InferenceCase(file: "threads/vm_uffd_ops/v2-thread.mbox", preset: "P2", version: 2),
        InferenceCase(file: "threads/vm_uffd_ops/v4-thread.mbox", preset: "P4", version: 4),
        InferenceCase(file: "threads/vm_uffd_ops/mike-v2-thread.mbox", preset: "M", version: 2),
        // v3 is a cover letter only: no patch says anything.
        InferenceCase(file: "threads/vm_uffd_ops/v3-thread.mbox", preset: nil, version: nil),
        // Every posting together: the newest (Mike's, 2026) decides.
        InferenceCase(file: "threads/vm_uffd_ops", preset: "M", version: 2),
        // Mail with no vm_uffd_ops patch at all.
        InferenceCase(file: "corpus/b4/trailers-thread-with-followups.mbox", preset: nil, version: nil),
    ])
    func realThreads(_ c: InferenceCase) throws {
        let box = try MailReader.read(path: Repo.sharedFile(c.file).path)
        let guess = DesignInference.guess(Review(mailbox: box))
        #expect(guess?.preset.rawValue == c.preset)
        #expect(guess?.version == c.version)
        if let guess { #expect(!guess.members.isEmpty && guess.summary.hasPrefix(c.preset ?? "")) }
    }

    private func patchMail(_ subject: String, date: String, added: [String]) -> String {
        let body = added.map { "+" + $0 }.joined(separator: "\n")
        return """
            From sender Mon Sep 17 00:00:00 2001
            From: Dev <dev@example.org>
            Subject: \(subject)
            Date: \(date)
            Message-ID: <\(subject.hashValue)@example.org>

            Body.
            ---
            diff --git a/mm/x.c b/mm/x.c
            --- a/mm/x.c
            +++ b/mm/x.c
            @@ -1,0 +1,\(added.count) @@
            \(body)

            """
    }

    @Test func aHandlerLookupPatchSaysL1AndATieSaysNothing() {
        let l1 = patchMail("[PATCH] mm: look ops up", date: "Mon, 1 Dec 2025 10:00:00 +0000",
                           added: ["\t.get_uffd_ops = shmem_get_uffd_ops,"])
        #expect(DesignInference.guess(Review(mailbox: MailReader.parse(bytes: Array(l1.utf8), source: "l1")))?.preset == .L1)
        let tie = patchMail("[PATCH] mm: both", date: "Mon, 1 Dec 2025 10:00:00 +0000",
                            added: ["\tint (*uffd_copy)(void);", "\tunsigned long supported_ioctls;"])
        #expect(DesignInference.guess(Review(mailbox: MailReader.parse(bytes: Array(tie.utf8), source: "tie"))) == nil)
        // Removed lines do not count: a patch dropping P2's hook and adding P4's members is P4.
        let moved = patchMail("[PATCH] mm: move", date: "Mon, 1 Dec 2025 10:00:00 +0000",
                              added: ["\tint (*minor_get_folio)(struct inode *inode, pgoff_t pgoff, struct folio **folio);"])
            .replacingOccurrences(of: "@@ -1,0 +1,1 @@\n", with: "@@ -1,1 +1,1 @@\n-\tint (*uffd_copy)(void);\n")
        #expect(DesignInference.guess(Review(mailbox: MailReader.parse(bytes: Array(moved.utf8), source: "m")))?.preset == .P4)
    }
}
