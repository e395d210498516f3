import Foundation

/// Dates and date-times as stored (`2024-03-01`, `2024-03-01 10:00:00+08`, `2024-03-01T10:00:00Z`)
/// and as RFC 3339 request values, read into the span of time they cover.
public enum TimeInstant {
    /// The span `text` covers, in seconds since 1970-01-01T00:00:00Z: a date covers its whole UTC day
    /// (to its last millisecond), a date-time the one instant. Accepts `YYYY-MM-DD`, optionally followed by
    /// `T` (or `t` or a space) `hh:mm[:ss[.fff]]` and a zone `Z`, `±hh`, `±hhmm` or `±hh:mm` (none: UTC).
    /// nil for anything else or an impossible date.
    public static func span(_ text: String) -> (start: Double, end: Double)? {
        let bytes = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= bytes.count else { return nil }
            var n = 0
            for k in i..<(i + digits) {
                guard bytes[k] >= 48, bytes[k] <= 57 else { return nil }
                n = n * 10 + Int(bytes[k] - 48)
            }
            i += digits
            return n
        }
        func take(_ c: Character) -> Bool {
            guard i < bytes.count, bytes[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let midnight = Double(daysSince1970(year: year, month: month, day: day)) * 86400
        if i == bytes.count { return (midnight, midnight + 86399.999) }
        guard take("T") || take("t") || take(" "), let hour = number(2), hour < 24, take(":"), let minute = number(2), minute < 60 else { return nil }
        var seconds = Double(hour * 3600 + minute * 60)
        if take(":") {
            guard let s = number(2), s <= 60 else { return nil }
            seconds += Double(s)
            if take(".") {
                var scale = 0.1, digits = 0
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    seconds += Double(bytes[i] - 48) * scale
                    scale /= 10; i += 1; digits += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        var offset = 0.0
        if take("Z") || take("z") {
        } else if i < bytes.count, bytes[i] == 43 || bytes[i] == 45 {
            let sign = bytes[i] == 45 ? -1.0 : 1.0
            i += 1
            guard let h = number(2), h < 24 else { return nil }
            var m = 0
            if i < bytes.count {
                _ = take(":")
                guard let mm = number(2), mm < 60 else { return nil }
                m = mm
            }
            offset = sign * Double(h * 3600 + m * 60)
        }
        guard i == bytes.count else { return nil }
        let instant = midnight + seconds - offset
        return (instant, instant)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the given day of the proleptic Gregorian calendar.
    public static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        // Count years from March, so the leap day ends the year; 400-year eras repeat exactly.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
