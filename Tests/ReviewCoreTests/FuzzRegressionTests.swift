import Foundation
import Testing
import TestSupport
import MailCore
import ReviewCore

/// Every input in `fuzz/regressions/review/` and `fuzz/regressions/mail/` goes through the review
/// parser both ways the libFuzzer harness feeds it: as a mailbox (`Review(mailbox:)`) and as the
/// body of a patch mail plus a reply to it (diff, patch-mail and quote parsers directly). It must
/// finish with a consistent model: non-negative hunk ranges, comments anchored to patches that exist.
@Suite("Fuzz regressions: review parser")
struct ReviewFuzzRegressionTests {
    static let root = Repo.root.appendingPathComponent("fuzz/regressions")

    static let paths: [String] = ["review", "mail"].flatMap { dir -> [String] in
        let all = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)) ?? []
        return all.filter { !$0.hasPrefix(".") }.sorted().map { "\(dir)/\($0)" }
    }

    @Test func regressionDirectoryIsPopulated() {
        #expect(Self.paths.filter { $0.hasPrefix("review/") }.count >= 4)
    }

    static func check(_ review: Review, _ name: String) {
        var known = Set(review.patches.map(\.messageId))
        known.formUnion(review.covers.map(\.messageId))
        for p in review.patches {
            for f in p.files {
                for h in f.hunks {
                    #expect(h.oldStart >= 0 && h.newStart >= 0 && h.oldCount >= 0 && h.newCount >= 0,
                            "negative hunk range in \(name): \(f.path) \(h.oldStart),\(h.oldCount) \(h.newStart),\(h.newCount)")
                }
            }
        }
        for c in review.comments {
            if let p = c.anchor.patch {
                #expect(known.contains(p), "comment \(c.id) in \(name) anchored to unknown patch \(p)")
            }
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: paths)
    func reviewsConsistently(_ path: String) throws {
        let data = try #require(FileManager.default.contents(atPath: Self.root.appendingPathComponent(path).path))
        let bytes = [UInt8](data)
        Self.check(Review(mailbox: MailReader.parse(bytes: bytes, source: path)), path)

        let text = String(decoding: bytes, as: UTF8.self)
        let diff = DiffParser.parse(text)
        for f in diff.files {
            for h in f.hunks { #expect(h.oldStart >= 0 && h.newStart >= 0 && h.oldCount >= 0 && h.newCount >= 0) }
        }
        _ = PatchMail(body: text, messageId: "p@regression")
        let author = Address(name: "Fuzz", email: "fuzz@example.org")
        let patch = Message(messageId: "p@regression", subject: "[PATCH v2 1/2] regression: input as a patch",
                            from: author, date: nil, body: text)
        let reply = Message(messageId: "r@regression", subject: "Re: [PATCH v2 1/2] regression: input as a patch",
                            from: author, date: nil, inReplyTo: "p@regression", references: ["p@regression"], body: text)
        let orphan = Message(messageId: "o@regression", subject: "Re: [PATCH 3/3] regression: quoted patch not in input",
                             from: author, date: nil, inReplyTo: "missing@regression", references: ["missing@regression"], body: text)
        Self.check(ReviewBuilder.build([patch, reply, orphan]), path)
    }
}
