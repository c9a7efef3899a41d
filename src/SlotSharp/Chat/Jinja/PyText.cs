using System.Globalization;
using System.Text;

namespace SlotSharp.Chat.Jinja;

/// <summary>Python str semantics that differ from .NET: whitespace set, code-point indexing.</summary>
static class PyText
{
    /// <summary>Python's str.isspace (also what re's \s matches): .NET whitespace plus U+001C..U+001F.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || (c >= '\x1c' && c <= '\x1f');

    public static string RStripSpace(string s)
    {
        var end = s.Length;
        while (end > 0 && IsSpace(s[end - 1])) end--;
        return s[..end];
    }

    static bool HasSurrogates(string s)
    {
        foreach (var c in s) if (char.IsSurrogate(c)) return true;
        return false;
    }

    /// <summary>Python len(str): code points, not UTF-16 units.</summary>
    public static int Length(string s) => HasSurrogates(s) ? CodePoints(s).Count : s.Length;

    /// <summary>The string split into one string per code point (lone surrogates stay single units).</summary>
    public static List<string> CodePoints(string s)
    {
        var list = new List<string>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(s.Substring(i, 2));
                i++;
            }
            else list.Add(s[i].ToString());
        }
        return list;
    }

    /// <summary>s[index] by code point (negative counts from the end), without building the code-point list.</summary>
    public static string? CodePointAt(string s, long index)
    {
        if (!HasSurrogates(s))
        {
            if (index < 0) index += s.Length;
            return index >= 0 && index < s.Length ? s[(int)index].ToString() : null;
        }
        var cps = CodePoints(s);
        if (index < 0) index += cps.Count;
        return index >= 0 && index < cps.Count ? cps[(int)index] : null;
    }

    /// <summary>Python str.strip/lstrip/rstrip; chars null means whitespace.</summary>
    public static string Strip(string s, string? chars, bool left, bool right)
    {
        if (chars == null)
        {
            int start = 0, end = s.Length;
            if (left) while (start < end && IsSpace(s[start])) start++;
            if (right) while (end > start && IsSpace(s[end - 1])) end--;
            return s[start..end];
        }
        var set = new HashSet<string>(CodePoints(chars));
        var cps = CodePoints(s);
        int a = 0, b = cps.Count;
        if (left) while (a < b && set.Contains(cps[a])) a++;
        if (right) while (b > a && set.Contains(cps[b - 1])) b--;
        return string.Concat(cps.GetRange(a, b - a));
    }

    /// <summary>Python str.split(sep=None, maxsplit=-1).</summary>
    public static List<object?> Split(string s, string? sep, long maxSplit)
    {
        var result = new List<object?>();
        if (sep == null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && result.Count >= maxSplit)
                {
                    result.Add(RStripSpace(s[i..]));
                    break;
                }
                var j = i;
                while (j < s.Length && !IsSpace(s[j])) j++;
                result.Add(s[i..j]);
                i = j;
            }
            return result;
        }
        if (sep.Length == 0) throw new TemplateRuntimeError("empty separator");
        var pos = 0;
        while (maxSplit < 0 || result.Count < maxSplit)
        {
            var k = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (k < 0) break;
            result.Add(s[pos..k]);
            pos = k + sep.Length;
        }
        result.Add(s[pos..]);
        return result;
    }

    /// <summary>Python str.splitlines() (no keepends).</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                lines.Add(s[start..i]);
                if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
                start = i + 1;
            }
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    /// <summary>Python str.replace(old, new, count), built under the budget (the result can far outgrow s).</summary>
    public static string Replace(string s, string oldValue, string newValue, long count, MemoryBudget budget)
    {
        if (count < 0) count = long.MaxValue;
        var sb = budget.Text();
        if (oldValue.Length == 0)
        {
            // Python inserts `new` before every code point and at the end.
            var cps = CodePoints(s);
            long done = 0;
            foreach (var cp in cps)
            {
                if (done < count) { sb.Append(newValue); done++; }
                sb.Append(cp);
            }
            if (done < count) sb.Append(newValue);
            return sb.ToString();
        }
        int pos = 0, n = 0;
        while (n < count)
        {
            var k = s.IndexOf(oldValue, pos, StringComparison.Ordinal);
            if (k < 0) break;
            sb.Append(s.AsSpan(pos, k - pos)).Append(newValue);
            pos = k + oldValue.Length;
            n++;
        }
        sb.Append(s.AsSpan(pos));
        return sb.ToString();
    }

    /// <summary>Python str.capitalize: first code point upper, the rest lower.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : UpperFirst(s) + s[FirstLength(s)..].ToLowerInvariant();

    static int FirstLength(string s) => char.IsHighSurrogate(s[0]) && s.Length > 1 ? 2 : 1;
    static string UpperFirst(string s) => s[..FirstLength(s)].ToUpperInvariant();

    /// <summary>Jinja's title filter: words start after whitespace or one of -([{&lt;.</summary>
    public static string JinjaTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        var startOfWord = true;
        foreach (var c in s)
        {
            var isSep = IsSpace(c) || c is '-' or '(' or '{' or '[' or '<';
            sb.Append(isSep ? c : startOfWord ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            startOfWord = isSep;
        }
        return sb.ToString();
    }

    /// <summary>Python str.title: a letter after a non-letter starts a word.</summary>
    public static string PyTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        var prevCased = false;
        foreach (var c in s)
        {
            sb.Append(prevCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            prevCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    /// <summary>Python ordering of strings: by code point (UTF-16 ordinal order differs above U+D7FF).</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
            if (a[i] != b[i]) return CodePointOrder(a[i]).CompareTo(CodePointOrder(b[i]));
        return a.Length.CompareTo(b.Length);
    }

    // Surrogates (pairs encode U+10000 and up) must sort after U+E000..U+FFFF.
    static int CodePointOrder(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;

    public static string Invariant(long v) => v.ToString(CultureInfo.InvariantCulture);
}
