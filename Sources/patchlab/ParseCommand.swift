import ArgumentParser

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parse")
    func run() throws {
        throw ValidationError("'parse' is being built in this revision")
    }
}
