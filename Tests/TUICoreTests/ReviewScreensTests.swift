import Foundation
import Linking
import MailCore
import ReviewCore
import Testing
import TestSupport
@testable import TUICore

/// Loads an input through the whole pipeline into an app state.
enum Pipeline {
    static func state(_ path: String, size: Size, snapshot: ModelSnapshot? = nil) throws -> AppState {
        let mailbox = try MailReader.read(path: path)
        let view = ReviewViewBuilder.build(mailbox: mailbox, review: Review(mailbox: mailbox), title: URL(fileURLWithPath: path).lastPathComponent)
        return AppState(review: view, size: size, snapshot: snapshot)
    }

    static var demo: String { Repo.root.appendingPathComponent("reviews/demo-vm_uffd_ops.mbox").path }
    static var seed: String { Repo.sharedFile("threads/seed-lkml-web.txt").path }
    static var v2: String { Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox").path }
}

/// Whether a scalar would act on the terminal instead of being shown.
func isRaw(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    return v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
}

@Suite struct HostileMailTests {
    static let mail = """
        From: Mallory \u{1B}[31mEvil\u{1B}[0m <m@example.org>
        To: linux-mm@kvack.org
        Subject: [PATCH] mm: \u{1B}]0;owned\u{07}fix \u{202E}gnp.exe\u{202C} \u{2066}x\u{2069}
        Date: Mon, 30 Jun 2025 11:29:30 +0100
        Message-ID: <evil@example.org>

        Looks fine \u{1B}[2J\u{1B}[H and \u{9B}31m C1 too.\r
        bidi: \u{202D}override\u{202C} and DEL\u{7F} and bell\u{07}
        \ttabbed line
        ---
        diff --git a/mm/x.c b/mm/x.c
        --- a/mm/x.c
        +++ b/mm/x.c
        @@ -1,1 +1,1 @@
        -old \u{1B}[1m
        +new \u{202E}uffd_copy

        """

    @Test func escapeSequencesAndBidiNeverReachACell() throws {
        let mailbox = MailReader.parse(bytes: Array(Self.mail.utf8), source: "hostile")
        try #require(mailbox.messages.count == 1)
        let view = ReviewViewBuilder.build(mailbox: mailbox, review: Review(mailbox: mailbox), title: "hostile \u{1B}[31m")
        var state = AppState(review: view, size: Size(columns: 120, rows: 30))
        var screens = [render(state, size: state.size)]
        _ = reduce(&state, .command(.help))
        screens.append(render(state, size: state.size))
        _ = reduce(&state, .input(.key(.escape)))
        for _ in 0..<3 {
            _ = reduce(&state, .command(.pageDown))
            screens.append(render(state, size: state.size))
        }
        var rowsWithText = 0
        for screen in screens {
            for row in screen.rows {
                for cell in row { for s in cell.text.unicodeScalars { #expect(!isRaw(s), "raw U+\(String(s.value, radix: 16)) in a cell") } }
            }
            rowsWithText += screen.textLines().filter { $0.contains("\\x1b") || $0.contains("\\u202e") }.count
        }
        #expect(rowsWithText > 0, "escapes are shown visibly")
        let all = screens[0].textLines().joined(separator: "\n")
        #expect(all.contains("\\u202e"))
    }
}

@Suite struct ReviewScreenTests {
    static let sizes = [Size(columns: 80, rows: 24), Size(columns: 160, rows: 48)]

    @Test(arguments: sizes)
    func seedScreens(_ size: Size) throws {
        var state = try Pipeline.state(Pipeline.seed, size: size)
        try Golden.check("seed-tree-\(size.columns)x\(size.rows)", render(state, size: size))
        _ = reduce(&state, .command(.nextComment))
        try Golden.check("seed-comment-\(size.columns)x\(size.rows)", render(state, size: size))
    }

    @Test(arguments: sizes)
    func demoScreens(_ size: Size) throws {
        guard FileManager.default.fileExists(atPath: Pipeline.demo) else {
            Issue.record("demo review missing at \(Pipeline.demo)")
            return
        }
        var state = try Pipeline.state(Pipeline.demo, size: size, snapshot: Fixture.snapshot())
        state.focus = .tree
        try Golden.check("demo-tree-\(size.columns)x\(size.rows)", render(state, size: size))
        _ = reduce(&state, .command(.nextPatch))
        _ = reduce(&state, .command(.nextComment))
        try Golden.check("demo-patch-\(size.columns)x\(size.rows)", render(state, size: size))
        state.focus = .model
        try Golden.check("demo-model-\(size.columns)x\(size.rows)", render(state, size: size))
    }

    @Test func demoHasCommentsInlineWithLinks() throws {
        var state = try Pipeline.state(Pipeline.demo, size: Size(columns: 160, rows: 48))
        // Every patch laid out (the view does it when one is first shown).
        state.review.materializeAll()
        #expect(!state.review.messages.contains { $0.isDeferred })
        #expect(state.review.comments.allSatisfy { $0.line >= 0 })
        #expect(state.review.comments.count >= 5)
        let linked = state.review.comments.filter { !$0.links.isEmpty }
        #expect(linked.count >= state.review.comments.count / 2)
        let inline = state.review.messages.flatMap(\.lines).filter { $0.kind == .commentHeader }
        #expect(inline.count == state.review.comments.count)
        #expect(state.review.entries.contains { $0.kind == .patch })
    }

    @Test func v2ThreadBuildsATreeWithRepliesUnderPatches() throws {
        let state = try Pipeline.state(Pipeline.v2, size: Size(columns: 160, rows: 48))
        #expect(state.review.entries.first?.kind == .series)
        #expect(state.review.entries.filter { $0.kind == .patch }.count == 4)
        #expect(state.review.entries.contains { $0.kind == .reply })
        // Every message of the thread (17 mails) is in the tree exactly once.
        let shown = state.review.entries.compactMap(\.message)
        #expect(Set(shown).count == shown.count)
        #expect(shown.count == 17)
    }

    @Test func plainMessagesAreSplitWhenFirstShownAndBeforeASearch() throws {
        var state = try Pipeline.state(Pipeline.v2, size: Size(columns: 160, rows: 48))
        let reply = try #require(state.review.entries.first { $0.kind == .reply }?.message)
        #expect(state.review.messages[reply].deferredBody != nil)
        #expect(state.review.messages[reply].lines.count == 4)
        _ = reduce(&state, .input(.key(.char("J"))))
        while state.message != reply { _ = reduce(&state, .input(.key(.char("J")))) }
        #expect(state.review.messages[reply].deferredBody == nil)
        #expect(state.review.messages[reply].lines.contains { $0.kind == .quote })
        #expect(state.document.count == state.review.messages[reply].lines.count)
        _ = reduce(&state, .input(.key(.char("/"))))
        for c in "modulize" { _ = reduce(&state, .input(.key(.char(c)))) }
        _ = reduce(&state, .input(.key(.enter)))
        #expect(state.review.messages.allSatisfy { $0.deferredBody == nil })
        #expect(state.matches.count >= 5)
    }
}
