using System.Globalization;

namespace SlotSharp.Evaluation.Loglik;

/// <summary>
/// The few Python str methods lm-evaluation-harness's prompt code calls, with Python's semantics where .NET's differ:
/// <c>strip</c>/<c>rstrip</c> remove what <c>str.isspace</c> calls whitespace (U+001C..U+001F too, which
/// <see cref="char.IsWhiteSpace(char)"/> does not), and <c>capitalize</c> upper-cases the first character and
/// lower-cases all the others.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's str.isspace for one character: Unicode White_Space plus the four separators U+001C..U+001F.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';

    public static string Strip(string s) => RStrip(LStrip(s));

    public static string LStrip(string s)
    {
        int i = 0;
        while (i < s.Length && IsSpace(s[i])) i++;
        return s[i..];
    }

    public static string RStrip(string s)
    {
        int n = s.Length;
        while (n > 0 && IsSpace(s[n - 1])) n--;
        return s[..n];
    }

    /// <summary>str.capitalize (Python 3.8+): the first character in title case, the rest lower case.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0) return s;
        var first = char.IsSurrogatePair(s, 0) ? s[..2] : s[..1];
        return first.ToUpperInvariant() + s[first.Length..].ToLowerInvariant();
    }

    /// <summary>Python's int(text) for the labels the datasets store as strings ("2") or numbers.</summary>
    public static int Int(string text, string where) =>
        int.TryParse(Strip(text), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new SlotSharpException($"{where}: '{text}' is not an integer");

    /// <summary>Length in Python characters (code points), which acc_norm divides by: a surrogate pair is one.</summary>
    public static int Length(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }
}
