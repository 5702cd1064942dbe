import Foundation
import MailCore
import Notes
import Testing

@Suite struct QuotePlannerTests {
    /// A patch with one 20-line hunk in a.c and two hunks in b.c.
    static let body: String = {
        var lines = ["Fix things.", "", "Signed-off-by: A U Thor <author@example.com>", "---",
                     "diff --git a/a.c b/a.c", "index 1111111..2222222 100644", "--- a/a.c", "+++ b/a.c",
                     "@@ -1,20 +1,20 @@ int main(void)"]
        for i in 1...20 {
            if i == 5 { lines += ["-old five", "+new five"] } else if i == 16 { lines += ["-old sixteen", "+new sixteen"] } else { lines.append(" line \(i)") }
        }
        lines += ["diff --git a/b.c b/b.c", "index 3333333..4444444 100644", "--- a/b.c", "+++ b/b.c",
                  "@@ -1,2 +1,3 @@", " b one", "+b added", " b two",
                  "@@ -10,2 +11,2 @@", "-b ten", "+b TEN", " b eleven", "-- ", "2.45.0", ""]
        return lines.joined(separator: "\n")
    }()

    static let message = Message(messageId: "p1@x", subject: "[PATCH] fix", from: Address(name: "A U Thor", email: "author@example.com"),
                                 date: nil, rawDate: "Mon, 1 Jan 2024 00:00:00 +0000", body: body)

    private func reply(_ anchors: [(NoteAnchor, String)]) throws -> String {
        var s = Session(input: InputIdentity(source: "x", messageIds: ["p1@x"], seriesSubject: "[PATCH] fix", coverMessageId: nil))
        for (a, t) in anchors { s.addNote(a, text: t) }
        let e = ReplyExporter.export(session: s, messages: [Self.message], options: ReplyOptions(from: Fixture.reviewer, now: Fixture.now))
        return try #require(e.mails.first).body
    }

    @Test func distantNotesInOneHunkAreSeparatedByATrim() throws {
        let p = PatchText(message: Self.message)
        let five = try #require(p.lineAnchor(path: "a.c", side: .old, line: 5))
        let sixteen = try #require(p.lineAnchor(path: "a.c", side: .new, line: 16))
        let body = try reply([(.line(five), "Why remove five?"), (.line(sixteen), "Sixteen is better.")])
        #expect(body == """
            On Mon, 1 Jan 2024 00:00:00 +0000, A U Thor wrote:
            > diff --git a/a.c b/a.c
            > index 1111111..2222222 100644
            > --- a/a.c
            > +++ b/a.c
            > @@ -1,20 +1,20 @@ int main(void)
            > [...]
            >  line 2
            >  line 3
            >  line 4
            > -old five

            Why remove five?

            > +new five
            >  line 6
            >  line 7
            > [...]
            >  line 14
            >  line 15
            > -old sixteen
            > +new sixteen

            Sixteen is better.

            >  line 17
            >  line 18
            >  line 19
            > [...]

            """)
    }

    @Test func notesInNeighbouringHunksNeedNoTrimBetweenThem() throws {
        let p = PatchText(message: Self.message)
        let added = try #require(p.lineAnchor(path: "b.c", side: .new, line: 2))
        let ten = try #require(p.hunkAnchor(path: "b.c", index: 1))
        let body = try reply([(.hunk(ten), "Whole hunk."), (.line(added), "Added line.")])
        #expect(body == """
            On Mon, 1 Jan 2024 00:00:00 +0000, A U Thor wrote:
            > diff --git a/b.c b/b.c
            > index 3333333..4444444 100644
            > --- a/b.c
            > +++ b/b.c
            > @@ -1,2 +1,3 @@
            >  b one
            > +b added

            Added line.

            >  b two
            > @@ -10,2 +11,2 @@
            > -b ten
            > +b TEN
            >  b eleven

            Whole hunk.

            """)
    }

    @Test func skippedHunksAndFilesAreMarked() throws {
        let p = PatchText(message: Self.message)
        let ten = try #require(p.lineAnchor(path: "b.c", side: .old, line: 10))
        let body = try reply([(.line(ten), "Ten.")])
        #expect(body == """
            On Mon, 1 Jan 2024 00:00:00 +0000, A U Thor wrote:
            > diff --git a/b.c b/b.c
            > index 3333333..4444444 100644
            > --- a/b.c
            > +++ b/b.c
            > [...]
            > @@ -10,2 +11,2 @@
            > -b ten

            Ten.

            > +b TEN
            >  b eleven

            """)
        let five = try #require(p.lineAnchor(path: "a.c", side: .new, line: 5))
        let two = try #require(p.lineAnchor(path: "b.c", side: .new, line: 2))
        let both = try reply([(.line(two), "Two."), (.line(five), "Five.")])
        let lines = both.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let bHeader = try #require(lines.firstIndex(of: "> diff --git a/b.c b/b.c"))
        #expect(lines[bHeader - 1] == "> [...]", "the rest of a.c is left out before b.c")
        #expect(lines.firstIndex(of: "> +new five").map { $0 < bHeader } == true, "notes follow the order of the patch")
    }

    @Test func theSignatureIsNotADeletion() {
        let p = PatchText(message: Self.message)
        #expect(p.files.map(\.path) == ["a.c", "b.c"])
        #expect(p.files[1].hunks[1].lines.map(\.raw) == ["-b ten", "+b TEN", " b eleven"])
    }
}
