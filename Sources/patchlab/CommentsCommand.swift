import ArgumentParser

struct CommentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "comments")
    func run() throws {
        throw ValidationError("'comments' is being built in this revision")
    }
}
