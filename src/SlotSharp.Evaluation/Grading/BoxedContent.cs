namespace SlotSharp.Grading;

/// <summary>
/// Pulls the contents out of \boxed{...} / \fbox{...}, scanning from the right as latex2sympy2_extended does.
/// "last" keeps the last box plus earlier boxes joined to it by a short connector (under 10 characters, or under 70
/// with "and"/"or"/","/";" and different content); "all" keeps every box. Kept contents are joined with ",".
/// </summary>
internal static class BoxedContent
{
    /// <summary>Boxes closer than this many characters are always merged ("\boxed{1}, \boxed{2}").</summary>
    const int AlwaysMergeGap = 10;
    /// <summary>Boxes up to this far apart are merged when a separator word sits between them.</summary>
    const int SeparatorMergeGap = 70;

    static readonly System.Text.RegularExpressions.Regex Separator = new(@"\b(and|or)\b|,|;", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static string Extract(string text, BoxedMode mode)
    {
        if (mode == BoxedMode.None) return text;
        var results = new List<string>();
        int searchEnd = text.Length, limit = text.Length;
        int? previousBoxStart = null;
        while (true)
        {
            int boxed = searchEnd > 0 ? text.LastIndexOf("\\boxed", searchEnd - 1, searchEnd, StringComparison.Ordinal) : -1;
            int fbox = searchEnd > 0 ? text.LastIndexOf("\\fbox", searchEnd - 1, searchEnd, StringComparison.Ordinal) : -1;
            // LastIndexOf(start) finds matches starting at or before start; the original excludes those overlapping the end.
            if (boxed >= 0 && boxed + 6 > searchEnd) boxed = -1;
            if (fbox >= 0 && fbox + 5 > searchEnd) fbox = -1;
            if (boxed < 0 && fbox < 0) break;
            int start = Math.Max(boxed, fbox);
            int pos = start + (boxed > fbox ? 6 : 5);
            while (pos < limit && char.IsWhiteSpace(text[pos])) pos++;
            if (pos >= limit) break;
            if (text[pos] != '{')
            {
                if (results.Count == 0) results.Add(text[pos..]);
                break;
            }
            int close = MatchingBrace(text, pos, limit);
            if (close < 0)
            {
                if (results.Count == 0) results.Add(text[pos..]);
                break;
            }
            var content = text[(pos + 1)..close].Trim();
            if (mode == BoxedMode.Last && previousBoxStart is int next
                && !ShouldMerge(text[Math.Min(close + 1, next)..next], content, results.Count > 0 ? results[^1] : ""))
                break;
            if (results.Count == 0 || results[^1] != content) results.Add(content);
            previousBoxStart = start;
            limit = start;
            searchEnd = start;
        }
        if (results.Count == 0) return text;
        results.Reverse();
        return string.Join(",", results);
    }

    static bool ShouldMerge(string between, string content, string laterContent) =>
        between.Length < AlwaysMergeGap
        || (content != laterContent && between.Length < SeparatorMergeGap && Separator.IsMatch(between));

    static int MatchingBrace(string text, int open, int limit)
    {
        int depth = 1;
        for (int i = open + 1; i < limit; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return i;
        }
        return -1;
    }
}
