import ArgumentParser

/// The `patchlab` command line: a thin layer that parses arguments, builds the pieces and maps
/// errors to exit codes (0 ok, 1 findings, 2 usage or input error).
@main
struct Patchlab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchlab",
        abstract: "A terminal review companion for Linux kernel patch threads.",
        subcommands: [OpenCommand.self, ParseCommand.self, CommentsCommand.self, SimCommand.self, ExportCommand.self],
        defaultSubcommand: OpenCommand.self
    )
}
