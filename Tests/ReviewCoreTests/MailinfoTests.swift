import Foundation
import Testing
import MailCore
import ReviewCore
import TestSupport

/// Patch mails split the way `git mailinfo` splits them (run live): subject, author, and the commit
/// message with its trailers.
@Suite struct MailinfoTests {
    static let inputs = ["corpus/git/t/t5100/sample.mbox", "threads/vm_uffd_ops/v2-thread.mbox",
                         "threads/vm_uffd_ops/v4-thread.mbox", "corpus/b4/shazam-git1-just-series.mbox",
                         "corpus/patchwork/series/base-cover-letter.mbox", "corpus/patchwork/series/revision-basic.mbox"]

    struct Info {
        var subject = ""
        var author = ""
        var message = ""
        var hasPatch = false
    }

    /// `git mailsplit` then `git mailinfo -u` on each message.
    static func mailinfo(_ file: URL) throws -> [Info] {
        let dir = try ScratchDirectory("patchlab-mailinfo")
        defer { dir.remove() }
        let split = try Tool.run("git", ["mailsplit", "-o\(dir.url.path)", file.path])
        guard split.status == 0 else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        var out: [Info] = []
        for name in names {
            let mail = try Data(contentsOf: dir.file(name))
            let r = try Tool.run("git", ["mailinfo", "-u", dir.file("m").path, dir.file("p").path], stdin: mail, cwd: dir.url)
            var info = Info()
            for line in r.stdoutText.split(separator: "\n") {
                if line.hasPrefix("Subject: ") { info.subject = String(line.dropFirst(9)) }
                if line.hasPrefix("Author: ") { info.author = String(line.dropFirst(8)) }
            }
            info.message = (try? String(contentsOf: dir.file("m"), encoding: .utf8)) ?? ""
            info.hasPatch = ((try? Data(contentsOf: dir.file("p")))?.count ?? 0) > 0
            out.append(info)
        }
        return out
    }

    static func trimmed(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    @Test(.enabled(if: Tool.available("git"), "git is not installed"), arguments: inputs)
    func patchesSplitLikeGitMailinfo(_ input: String) throws {
        let url = Repo.sharedFile(input)
        let infos = try Self.mailinfo(url)
        try #require(!infos.isEmpty)
        let box = try MailReader.read(path: url.path)
        try #require(box.messages.count == infos.count, "git mailsplit and MailReader disagree on \(input)")
        let review = Review(mailbox: box)
        var compared = 0
        for patch in review.patches {
            let info = try #require(box.messages.firstIndex { $0.messageId == patch.messageId }.map { infos[$0] })
            #expect(info.hasPatch || patch.files.isEmpty, "\(input): \(patch.subject)")
            #expect(info.subject == patch.parsedSubject.name, "\(input)")
            // git keeps RFC 5322 comments in the name (`A (zzz) U Thor (Comment)`); MailCore drops them.
            if !info.author.contains("(") { #expect(info.author == patch.author.name, "\(input)") }
            let mine = patch.commitMessage + (patch.trailers.filter { !$0.collected }.isEmpty ? "" : "\n\n")
                + patch.trailers.filter { !$0.collected }.map(\.line).joined(separator: "\n")
            #expect(Self.trimmed(mine) == Self.trimmed(info.message), "\(input): \(patch.subject)")
            compared += 1
        }
        let gitPatches = infos.count { $0.hasPatch }
        #expect(compared >= min(review.patches.count, gitPatches) * 3 / 4, "\(input): compared \(compared) of \(review.patches.count)")
    }
}
