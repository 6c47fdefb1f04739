import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP

/// A bar chart drawn as SVG on the server: one bar per day, the value above each bar and
/// the day below, scaled to the largest value. No script, no style attribute (the console's
/// CSP allows neither inline).
package struct Chart {
    package let title: String
    package let points: [(label: String, value: Double)]
    /// How a value is written (`12`, `0.0042`, `35 ms`).
    package var format: (Double) -> String = { value in
        value == value.rounded() ? String(Int(value)) : String(format: "%.4g", value)
    }

    package var svg: HTML {
        let width = 640.0
        let height = 200.0
        let top = 24.0
        let bottom = 28.0
        let slot = width / Double(max(points.count, 1))
        let largest = points.map(\.value).max().map { $0 > 0 ? $0 : 1 } ?? 1
        var bars: [HTML] = []
        for (index, point) in points.enumerated() {
            let barHeight = (height - top - bottom) * point.value / largest
            let x = Double(index) * slot + slot * 0.15
            let y = height - bottom - barHeight
            bars.append(
                """
                <rect class="bar" x="\(Self.number(x))" y="\(Self.number(y))" width="\(Self.number(slot * 0.7))" \
                height="\(Self.number(barHeight))"><title>\(point.label): \(format(point.value))</title></rect>\
                <text class="value" x="\(Self.number(x + slot * 0.35))" y="\(Self.number(y - 4))">\(format(point.value))</text>\
                <text class="label" x="\(Self.number(x + slot * 0.35))" y="\(Self.number(height - 10))">\(point.label.suffix(5))</text>
                """)
        }
        return """
            <figure class="chart"><figcaption>\(title)</figcaption>\
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-label="\(title)">\(bars)</svg></figure>
            """
    }

    private static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
