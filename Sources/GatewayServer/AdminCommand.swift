import ArgumentParser
import Foundation
import Gateway
import GatewayCore
import GatewayDomain
import GatewayOps

/// `gateway admin grant|revoke EMAIL`: makes a registered user an administrator, or no
/// longer one (effective at once: every admin request reads the flag).
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Grant or revoke administration of a registered user.")

    enum Action: String, ExpressibleByArgument, CaseIterable { case grant, revoke }

    @Argument(help: "grant or revoke")
    var action: Action

    @Argument(help: "The user's email (any letter case).")
    var email: String

    func run() async throws {
        let config = try loadConfig()
        let logger = makeLogger(config)
        let services = try await GatewayServices(
            config: config, logger: logger, registry: BuiltInBots.registry, stores: .postgres(config, logger: logger))
        let changed: Bool
        do {
            changed = try await services.admins.setAdmin(email: email, action == .grant)
        } catch {
            await services.shutdown()
            FileHandle.standardError.write(Data("the database refused: \(error)\n".utf8))
            throw ExitCode(1)
        }
        await services.shutdown()
        guard changed else {
            FileHandle.standardError.write(Data("no user has the email \(email)\n".utf8))
            throw ExitCode(1)
        }
        if action == .grant, config.adminEmails.isEmpty == false, config.adminEmails.contains(email.lowercased()) == false {
            FileHandle.standardError.write(
                Data(
                    "warning: \(email) is not in ADMIN_EMAILS, which narrows who may administer: it has no effect until added\n"
                        .utf8))
        }
        print(action == .grant ? "\(email) is an administrator" : "\(email) is no longer an administrator")
    }
}
