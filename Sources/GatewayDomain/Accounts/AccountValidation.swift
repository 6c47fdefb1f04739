import Foundation
import GatewayCore

/// The reference's input rules, with its exact messages.
package enum AccountValidation {
    package static let passwordSymbols: Set<Character> = ["!", "@", "#", "$", "%", "^", "&", "*"]

    /// Trims and checks a name (not empty, at most 128 characters).
    package static func name(_ raw: String?, _ validator: inout FieldValidator) -> String? {
        guard let raw else { return nil }
        let name = raw.trimmedWhitespace
        if name.isEmpty {
            validator.valueError("name", "Name must not be empty.", input: raw)
            return nil
        }
        if name.codePointCount > 128 {
            validator.issue(
                "name", type: "string_too_long", "String should have at most 128 characters", input: .string(raw),
                ctx: ["max_length": .int(128)])
            return nil
        }
        return name
    }

    /// Trims, validates and normalises an email (domain lowercased, local part kept).
    package static func email(_ raw: String?, _ validator: inout FieldValidator) -> String? {
        guard let raw else { return nil }
        let email = raw.trimmedWhitespace
        if let problem = emailProblem(email) {
            validator.issue(
                "email", type: "value_error", "value is not a valid email address: \(problem)", input: .string(raw),
                ctx: ["reason": .string(problem)])
            return nil
        }
        let at = email.lastIndex(of: "@")!
        return String(email[..<at]) + "@" + email[email.index(after: at)...].lowercased()
    }

    package static func emailProblem(_ email: String) -> String? {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return parts.count < 2
                ? "An email address must have an @-sign." : "The email address is not valid. It must have exactly one @-sign."
        }
        let local = parts[0]
        let domain = parts[1]
        if local.isEmpty { return "There must be something before the @-sign." }
        if domain.isEmpty { return "There must be something after the @-sign." }
        if email.utf8.count > 256 { return "The email address is too long." }
        if local.utf8.count > 64 { return "The email address is too long before the @-sign." }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")
        if local.allSatisfy({ localAllowed.contains($0) || ($0.isLetter && $0.isASCII == false) }) == false {
            return "The email address contains invalid characters before the @-sign."
        }
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") {
            return "The email address contains a period in an invalid position."
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "The part after the @-sign is not valid. It should have a period." }
        for label in labels {
            if label.isEmpty { return "An empty label is not allowed in the domain." }
            if label.hasPrefix("-") || label.hasSuffix("-") { return "A label in the domain cannot start or end with a hyphen." }
            if label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) == false {
                return "The part after the @-sign contains invalid characters."
            }
        }
        if labels.last!.allSatisfy(\.isNumber) { return "The part after the @-sign is not valid." }
        return nil
    }

    /// Checks the password rules (shared by register and login).
    package static func password(_ raw: String?, _ validator: inout FieldValidator) -> String? {
        guard let password = raw else { return nil }
        if password.count < 8 {
            validator.valueError("password", "Password must be at least 8 characters long.", input: password)
            return nil
        }
        let hasLetter = password.contains { $0.isLetter }
        let hasDigit = password.contains { $0.isNumber }
        let hasSymbol = password.contains { passwordSymbols.contains($0) }
        guard hasLetter, hasDigit, hasSymbol else {
            validator.valueError(
                "password", "Password must contain letters, numbers, and at least one symbol (!@#$%^&*)", input: password)
            return nil
        }
        return password
    }
}
