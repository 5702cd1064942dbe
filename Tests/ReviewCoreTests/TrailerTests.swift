import Foundation
import Testing
import MailCore
import ReviewCore
import TestSupport

/// b4 follow-up trailer samples with their expected am-ready output.
struct B4Case: CustomTestStringConvertible, Sendable {
    var mbox: String
    var reference: String
    /// Compare as sets (b4 reorders by chain of custody in this configuration).
    var unordered = false
    var testDescription: String { mbox }
}

@Suite struct TrailerTests {
    static let b4: [B4Case] = [
        B4Case(mbox: "trailers-followup-single", reference: "trailers-followup-single-ref-defaults.txt"),
        B4Case(mbox: "trailers-followup-with-cover", reference: "trailers-followup-with-cover-ref-defaults.txt"),
        B4Case(mbox: "trailers-followup-partial-reroll", reference: "trailers-followup-partial-reroll-ref-defaults.txt"),
        B4Case(mbox: "trailers-followup-custody", reference: "trailers-followup-custody-ref-unordered.txt", unordered: true),
    ]

    /// Lines b4 adds from its configuration, not from the mail: `addmysob` and `copyccs`.
    static func fromConfiguration(_ line: String) -> Bool {
        line.contains("test-override@example.com") || line.hasPrefix("Cc: ")
    }

    @Test(arguments: b4)
    func followUpTrailersLandOnTheirPatch(_ c: B4Case) throws {
        let review = try sharedReview("corpus/b4/\(c.mbox).mbox")
        let expected = try MailReader.read(path: Repo.sharedFile("corpus/b4/\(c.reference)").path).messages
        try #require(!expected.isEmpty)
        for e in expected {
            let want = PatchMail(body: e.body).trailers.map(\.line).filter { !Self.fromConfiguration($0) }
            let patch = try #require(review.patch(id: e.messageId), "no patch \(e.messageId)")
            let have = patch.trailers.map(\.line).filter { !Self.fromConfiguration($0) }
            if c.unordered {
                #expect(have.sorted() == want.sorted(), "\(e.messageId)")
            } else {
                #expect(have == want, "\(e.messageId)")
            }
        }
    }

    @Test(arguments: ["trailers-thread-with-followups", "trailers-thread-with-cover-followup"])
    func threadTrailersMatchTheVerifyFile(_ name: String) throws {
        let review = try sharedReview("corpus/b4/\(name).mbox")
        // The .verify file lists, per patch: author, subject, then body and trailers, blocks ended by `---`.
        let verify = try String(contentsOf: Repo.sharedFile("corpus/b4/trailers-thread-with-followups.verify"), encoding: .utf8)
        let blocks = verify.components(separatedBy: "\n---").map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        try #require(blocks.count == 4)
        for block in blocks {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let subject = lines[1]
            var want = lines.compactMap { TrailerParser.parse($0)?.line }.filter { !Self.fromConfiguration($0) }
            let patch = try #require(review.patches.first { $0.parsedSubject.name == subject })
            if name == "trailers-thread-with-cover-followup" {
                // The same series with a Tested-by instead, and a Reviewed-by on the cover for every patch.
                want = want.map { $0.replacingOccurrences(of: "Reviewed-by: Follow Upper", with: "Tested-by: Follow Upper") }
                want.append("Reviewed-by: Cover Upper <cover.upper@example.org>")
            }
            #expect(patch.trailers.map(\.line).filter { !Self.fromConfiguration($0) }.sorted() == want.sorted(), "\(subject)")
        }
    }

    @Test func quotedAndMismatchedTrailersAreNotCollected() throws {
        let r = try sharedReview("corpus/b4/trailers-followup-single.mbox")
        let lines = try #require(r.patches.first).trailers.map(\.line)
        #expect(!lines.contains { $0.contains("mismatched-reviewer1") })
        #expect(!lines.contains { $0.contains("<reviewer1@example.com>") })
        // The comment still carries what its author wrote.
        #expect(r.comments.contains { $0.trailers.contains { $0.value.contains("mismatched-reviewer1") } })
    }

    @Test func trailerAlreadyPresentIsNotDuplicated() throws {
        let r = try sharedReview("corpus/b4/trailers-followup-already-present.mbox")
        let lines = try #require(r.patches.first).trailers.map { "\($0.name): \($0.person?.email ?? $0.value)" }
        #expect(Set(lines).count == lines.count)
    }

    @Test func followUpWithoutRePrefixStillCounts() throws {
        let r = try sharedReview("corpus/b4/trailers-followup-nore.mbox")
        #expect(r.patches.count == 1)
        #expect(r.patches[0].trailers.contains { $0.collected })
    }

    @Test func trailerShapes() {
        #expect(TrailerParser.parse("Reviewed-by: A B <a@b.org>")?.person == Address(name: "A B", email: "a@b.org"))
        #expect(TrailerParser.parse("acked-by: a@b.org")?.name == "Acked-by")
        #expect(TrailerParser.parse("Acked-by: a@b.org")?.person?.email == "a@b.org")
        #expect(TrailerParser.parse("Fixes: abcdef012345 (\"mm: foo\")")?.name == "Fixes")
        #expect(TrailerParser.parse("Note: this is prose") == nil)
        #expect(TrailerParser.parse("http://example.org/x") == nil)
    }
}
