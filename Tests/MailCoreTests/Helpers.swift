import Foundation
import Testing
import TestSupport
@testable import MailCore

/// Shared helpers for the MailCore tests.
enum Fixture {
    /// Reads a file under `../shared` with MailReader.
    static func box(_ relative: String) throws -> Mailbox {
        try MailReader.read(path: Repo.sharedFile(relative).path)
    }

    /// The message with this Message-ID.
    static func message(_ box: Mailbox, _ id: String) -> Message? {
        box.messages.first { $0.messageId == id }
    }

    /// Parent Message-ID of every message in the thread forest (nil for roots).
    static func parents(_ box: Mailbox) -> [String: String?] {
        var out: [String: String?] = [:]
        func walk(_ n: ThreadNode, parent: String?) {
            out[n.messageId] = parent
            for c in n.children { walk(c, parent: n.messageId) }
        }
        for t in box.threads { walk(t, parent: nil) }
        return out
    }

    /// Number of messages `git mailsplit` finds in `url` (nil when git refuses the file).
    static func gitMailsplitCount(_ url: URL, mboxrd: Bool = false) throws -> Int? {
        let dir = try ScratchDirectory("h1-mailsplit")
        defer { dir.remove() }
        var args = ["mailsplit", "-o\(dir.url.path)"]
        if mboxrd { args.append("--mboxrd") }
        args.append(url.path)
        let r = try Tool.run("git", args)
        guard r.status == 0 else { return nil }
        return Int(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `git mailsplit` then `git mailinfo -k -u --no-inbody-headers` on each message:
    /// (Author, Email, Subject) per message, in order.
    static func gitMailinfo(_ url: URL) throws -> [(author: String, email: String, subject: String)] {
        let dir = try ScratchDirectory("h1-mailinfo")
        defer { dir.remove() }
        let split = try Tool.run("git", ["mailsplit", "-o\(dir.url.path)", url.path])
        guard split.status == 0, let n = Int(split.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else { return [] }
        var out: [(String, String, String)] = []
        for i in 1...n {
            let name = String(format: "%04d", i)
            let data = try Data(contentsOf: dir.file(name))
            let r = try Tool.run("git", ["mailinfo", "-k", "-u", "--no-inbody-headers", dir.file("m").path, dir.file("p").path],
                                 stdin: data)
            var author = "", email = "", subject = ""
            for line in r.stdoutText.split(separator: "\n") {
                if line.hasPrefix("Author: ") { author = String(line.dropFirst(8)) }
                if line.hasPrefix("Email: ") { email = String(line.dropFirst(7)) }
                if line.hasPrefix("Subject: ") { subject = String(line.dropFirst(9)) }
            }
            out.append((author, email, subject))
        }
        return out
    }

    /// Writes `bytes` to a scratch file and parses it.
    static func parseFile(_ bytes: [UInt8], name: String = "input") throws -> (Result<Mailbox, MailInputError>, ScratchDirectory) {
        let dir = try ScratchDirectory("h1-bad")
        let url = dir.file(name)
        try Data(bytes).write(to: url)
        do {
            return (.success(try MailReader.read(path: url.path)), dir)
        } catch {
            return (.failure(error), dir)
        }
    }
}
