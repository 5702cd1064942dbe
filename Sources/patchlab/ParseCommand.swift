import ArgumentParser
import Foundation
import MailCore

/// `patchlab parse FILE|- [--json]`: reads mail and prints its threads (or JSON).
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse mail (mbox, Maildir, .gz, single message, archive text) and show its threads.")

    @Argument(help: "An mbox, message, Maildir directory, .gz file, or - for stdin.")
    var file: String

    @Flag(name: .long, help: "Print messages and threads as JSON.")
    var json = false

    func run() throws {
        let box: Mailbox
        do {
            box = try MailReader.read(path: file)
        } catch {
            FileHandle.standardError.write(Data("patchlab: \(ParseOutput.sanitise(error.description))\n".utf8))
            throw ExitCode(2)
        }
        let text = json ? ParseOutput.json(box) : ParseOutput.human(box)
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Rendering of a `Mailbox` for the `parse` command.
enum ParseOutput {
    /// Control characters shown as `\x1b`-style escapes so mail cannot drive the terminal.
    static func sanitise(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
                out += "\\x" + (v < 0x10 ? "0" : "") + String(v, radix: 16)
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func utcMinute(_ d: Date?) -> String {
        guard let d else { return "????-??-?? ??:??" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: d)
    }

    static func iso(_ d: Date?) -> String? {
        guard let d else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f.string(from: d)
    }

    static func human(_ box: Mailbox) -> String {
        var out = ""
        func line(_ node: ThreadNode, depth: Int) {
            let indent = String(repeating: "  ", count: depth)
            if let i = node.messageIndex {
                let m = box.messages[i]
                let author = m.from.name.isEmpty ? m.from.email : m.from.name
                let defects = m.defects.isEmpty ? "" : "  [\(m.defects.count) defect\(m.defects.count == 1 ? "" : "s")]"
                out += sanitise("\(indent)\(utcMinute(m.date))  \(author)  \(m.subject)") + defects + "\n"
            } else {
                out += sanitise("\(indent)(missing) <\(node.messageId)>") + "\n"
            }
            for c in node.children { line(c, depth: depth + 1) }
        }
        for t in box.threads { line(t, depth: 0) }
        let messageDefects = box.messages.reduce(0) { $0 + $1.defects.count }
        out += "\(box.messages.count) message\(box.messages.count == 1 ? "" : "s"), \(box.threads.count) thread\(box.threads.count == 1 ? "" : "s"), "
            + "\(messageDefects + box.defects.count) defect\(messageDefects + box.defects.count == 1 ? "" : "s"), format \(box.format.rawValue)\n"
        return out
    }

    static func json(_ box: Mailbox) -> String {
        func defects(_ list: [Defect]) -> [[String: Any]] {
            list.map { ["kind": $0.kind.rawValue, "offset": $0.offset, "detail": $0.detail] }
        }
        let messages: [[String: Any]] = box.messages.map { m in
            [
                "messageId": m.messageId,
                "subject": m.subject,
                "from": ["name": m.from.name, "email": m.from.email],
                "date": iso(m.date) ?? NSNull(),
                "inReplyTo": m.inReplyTo ?? NSNull(),
                "references": m.references,
                "defects": defects(m.defects),
            ]
        }
        func thread(_ n: ThreadNode) -> [String: Any] {
            ["messageId": n.messageId, "children": n.children.map(thread)]
        }
        let object: [String: Any] = [
            "format": box.format.rawValue,
            "messages": messages,
            "threads": box.threads.map(thread),
            "defects": defects(box.defects),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
