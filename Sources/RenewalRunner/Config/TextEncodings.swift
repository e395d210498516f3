import Foundation
import GeoKernel
#if canImport(Glibc)
import Glibc
import Support
#endif

/// Names of text encodings as GDAL takes them for Shapefile attributes (its `ENCODING` option,
/// decoded with iconv): checked before a file is read, so that a typo (`GKB`) is refused instead of
/// every non-ASCII name coming out garbled.
public enum TextEncodings {
    /// The encodings planners' files come in, for suggestions (iconv knows many more, all accepted).
    public static let common = ["UTF-8", "GBK", "GB18030", "GB2312", "CP936", "BIG5", "BIG5-HKSCS", "CP950", "UTF-16",
                                "ISO-8859-1", "LATIN1", "CP1252", "ASCII", "SHIFT_JIS", "CP932", "EUC-JP", "EUC-KR", "CP949",
                                "EUC-CN", "CP1251", "KOI8-R", "ISO-8859-15"]

    /// True when iconv can decode `name` (case-insensitive; iconv's aliases count).
    public static func isKnown(_ name: String) -> Bool {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed == name, !name.contains("/") else { return false }
        let handle = iconv_open("UTF-8", name)
        guard handle != iconv_t(bitPattern: -1) else { return false }
        iconv_close(handle)
        return true
    }

    /// nil when `name` is an encoding iconv knows; else the message for `what` (e.g. "--encoding"),
    /// with the nearest common names.
    public static func problem(with name: String, what: String) -> String? {
        guard !isKnown(name) else { return nil }
        return "\(what) \(name) is not a text encoding iconv knows\(NearestNames.suggestion(for: name, in: common))"
            + " (e.g. GBK, GB18030, UTF-8, BIG5; `iconv -l` lists them all)"
    }
}
