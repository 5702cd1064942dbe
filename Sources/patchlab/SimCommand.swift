import ArgumentParser

struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sim")
    func run() throws {
        throw ValidationError("'sim' is being built in this revision")
    }
}
