import Linking
import Testing

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
