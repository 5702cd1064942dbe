import ArgumentParser
import Foundation
import MailCore

/// A usage or input error of a command: one line on standard error, exit status 2.
struct CommandFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// What every command does with its input file and its failures.
enum CommandInput {
    /// Reads `file` (`-` for standard input) as mail. An unreadable file, or one holding no
    /// message when `requireMessages` is set, is a `CommandFailure` naming the file.
    static func mailbox(_ file: String, requireMessages: Bool = false) throws -> Mailbox {
        let box: Mailbox
        do {
            box = try MailReader.read(path: file)
        } catch {
            throw CommandFailure(error.description)
        }
        if requireMessages && box.messages.isEmpty {
            throw CommandFailure("\(file): no messages" + (box.defects.first.map { " (\($0))" } ?? ""))
        }
        return box
    }

    /// Runs a command's body: a `CommandFailure` is printed as one line (escaped: it may quote a
    /// file name or mail text) and the command exits with status 2.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("patchlab: \(TerminalSafety.escaped(failure.message))\n".utf8))
            throw ExitCode(2)
        }
    }
}
