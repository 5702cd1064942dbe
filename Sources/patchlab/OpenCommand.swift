import ArgumentParser

struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open")
    func run() throws {
        throw ValidationError("'open' is being built in this revision")
    }
}
