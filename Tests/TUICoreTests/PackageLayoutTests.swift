import Testing
import TestSupport
import Foundation

@Test func sharedDirectoryIsBesideTheRepository() {
    #expect(FileManager.default.fileExists(atPath: Repo.sharedFile("README.md").path))
}
