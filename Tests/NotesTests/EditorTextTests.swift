import Notes
import Testing

@Suite struct EditorTextTests {
    @Test func editedNoteIsReadBackWithoutTheContext() throws {
        let file = EditorText.template(text: "Keep this.\n\n#ifdef CONFIG_USERFAULTFD\n", location: "include/linux/mm.h:+663",
                                       context: ["+\tconst struct vm_uffd_ops *userfaultfd_ops;"])
        #expect(file.contains("#   +\tconst struct vm_uffd_ops *userfaultfd_ops;"))
        #expect(EditorText.parse(file) == "Keep this.\n\n#ifdef CONFIG_USERFAULTFD")
        let below = file[try #require(file.range(of: EditorText.scissors)).lowerBound...]
        let edited = "New text\n  with code  \n\n\n" + below
        #expect(EditorText.parse(edited) == "New text\n  with code  ")
    }

    @Test func emptyNoteIsDiscarded() {
        #expect(EditorText.parse(EditorText.template(text: "", location: "whole series", context: [])) == nil)
        #expect(EditorText.parse("  \n\t\n") == nil)
    }
}
