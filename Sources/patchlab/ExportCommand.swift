import ArgumentParser

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export")
    func run() throws {
        throw ValidationError("'export' is being built in this revision")
    }
}
