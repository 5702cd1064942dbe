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
        try CommandInput.run {
            let box = try CommandInput.mailbox(file)
            let text = json ? MailboxRendering.json(box) : MailboxRendering.human(box)
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
