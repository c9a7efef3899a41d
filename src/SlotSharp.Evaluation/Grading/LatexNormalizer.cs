using System.Text;
using System.Text.RegularExpressions;

namespace SlotSharp.Grading;

/// <summary>
/// Cleans an extracted LaTeX answer before parsing, step for step as latex2sympy2_extended's normalize_latex does
/// (boxes, \left/\right, \text units, \dfrac, "and"/"or" as commas, percent words, \frac12 and \sqrt3 repairs).
/// Keeping the same steps in the same order matters: later steps see the earlier steps' output.
/// </summary>
internal static class LatexNormalizer
{
    const RegexOptions Opts = RegexOptions.CultureInvariant;

    static readonly Regex Left = new(@"\\m?left(\\\{|\{|\\\||\||\[|\(|\\rbracl|\\lgroup|\\lbrace|\\lbrack|\\vert|\\lvert|\\lceil|\\lfloor|\\langle|\\llcorner|\\ulcorner)", Opts);
    static readonly Regex Right = new(@"\\m?right(\\\}|\}|\\\||\||\]|\)|\\rbrack|\\rgroup|\\rbrace|\\vert|\\rvert|\\rceil|\\rfloor|\\rangle|\\lrcorner|\\urcorner)", Opts);
    static readonly Regex Permutation = new(@"\(([a-zA-Z0-9+\-*/\\ ]+?)\)_\{([a-zA-Z0-9+\-*/\\ ]+?)\}", Opts);
    static readonly Regex ToRemove = new(@"\\mathrm\{th\}|\\!\s*|\\text\s*\{\s*\}|\\\$|\$|(?<!\\)[""']|\\displaystyle", Opts);
    static readonly Regex CommandSlash = new(@"\\\\(?=[a-zA-Z])", Opts);
    static readonly Regex EquationSplit = new(@"(?<!\\|<|!|>)=", Opts);
    static readonly Regex UnitSuperscript = new(@"(\\(?:text|mbox)\{.*?\})(\^\d|\{\^\d\})?$", Opts);

    /// <summary>(group name, pattern, replacement), tried as one alternation so the leftmost match wins.</summary>
    static readonly (string Name, string Pattern, string Replacement)[] Replacements =
    [
        ("math", @"\\math(?:rm|it|bf)", @"\text"),
        ("text", @"\\text(?:normal|bf|it|rm)", @"\text"),
        ("frac", @"\\(?:d|t|c)frac", @"\frac"),
        ("decimalspace", @"\s\.", " 0."),
        ("decimalbrace", @"\{\.", "{0."),
        ("approx", @"~=", @"\approx"),
        ("comma", @"\s*\{\s*,\s*\}", ","),
        ("andor", @"(?<![a-zA-Z])(,?\s*(?:and|or))(?![a-zA-Z])", ","),
        ("andortext", @"(,?\s*\\text\{\s*(?:and|or)\s*\})", ","),
        ("backslashspace", @"(?<!\\)\\\s", " "),
        ("infinity", "infinity", @"\infty"),
        ("dot", @",?(\\ldots)", " "),
        ("percentage", @"\s*\bpercentage\b", "%"),
        ("percent", @"\s*\bpercent\b", "%"),
        ("pct", @"\s*\bpct\b", "%"),
        ("percentintext", @"\\text\{percent\}", "%"),
        ("pctintext", @"\\text\{pct\}", "%"),
        ("percentageintext", @"\\text\{percentage\}", "%"),
        ("inf", @"((?<!\\)inf(?!inity))", @"\infty"),
        ("sqrt", " sqrt", @"\sqrt"),
    ];

    static readonly Regex ReplaceAll = new(string.Join("|", Replacements.Select(r => $"(?<{r.Name}>{r.Pattern})")), Opts);

    /// <summary>Unit words removed after a number, "}" or space at the end of the answer (latex2sympy2_extended's list).</summary>
    static readonly string[] UnitWords =
    [
        "integerpoint", "feet", "sue", "digit", "pound", "meal", "edge", "student", "children ticket", "multiple", "east",
        "degree", "mph", "kmph", "ft", "m square", " m east", "sq m", "deg", "mile", "q .", "monkey", "prime", "ratio",
        "profit of rs", "rd", "o", "gm", "p . m", "lb", "tile", "per", "dm", "lt", "gain", "ab", "way", "west", "a .", "b .",
        "c .", "d .", "e .", "f .", "g .", "h .", "t", "h", "no change", "men", "soldier", "pie", "bc", "excess", "st",
        "inches", "noon", "cent", "by", "gal", "kmh", "c", "acre", "rise", "a . m", "th", "π r 2", "sq", "mark", "l", "toy",
        "coin", "sq . m", "gallon", "° f", "profit", "minw", "yr", "women", "am", "pm", "hr", "cu cm", "square",
        "v â € ™", "are", "rupee", "rounds", "cubic", "cc", "mtr", "s", "ohm", "number", "kmph", "day", "hour", "minute",
        "min", "second", "man", "woman", "sec", "cube", "mt", "sq inch", "mp", "∏ cm ³", "hectare", "more", "sec", "unit",
        "cu . m", "cm 2", "rs .", "rs", "kg", "g", "month", "km", "m", "cm", "mm", "apple", "liter", "loss", "yard", "pure",
        "year", "increase", "decrease", "d", "less", "Surface", "litre", "pi sq m", "s .", "metre", "meter", "inch",
    ];

    static readonly Regex UnitsAtEnd = new($@"(\d|\}}|\s)\s*(?:(?:{string.Join("|", UnitWords)})(?:s|es)?)\s*$", Opts);

    static readonly (Regex Pattern, string Replacement)[] MalformedOperators =
    [
        (new Regex(@"\^\s?\((.*?)\)", Opts), "^{$1}"),
        (new Regex(@"sqrt\s?\((.*?)\)", Opts), @"\sqrt{$1}"),
        (new Regex(@"\\frac\s?(\d)\s?(\d+)", Opts), @"\frac{$1}{$2}"),
        (new Regex(@"\\log_\s?(\d)\s?(\d+)", Opts), @"\log_{$1}{$2}"),
        (new Regex(@"\\frac\s?\{(.*?)\}\s?(\d)", Opts), @"\frac{$1}{$2}"),
        (new Regex(@"\\frac\s?(\d)\s?\{(.*?)\}", Opts), @"\frac{$1}{$2}"),
        (new Regex(@"\\sqrt\s?(\d)", Opts), @"\sqrt{$1}"),
    ];

    public static string Normalize(string text, NormalizationConfig config)
    {
        text = BoxedContent.Extract(text, config.Boxed);
        if (config.BasicLatex) text = BasicLatex(text);
        if (config.Equations && !text.Contains(',') && !text.Contains(';'))
        {
            var parts = EquationSplit.Split(text);
            if (parts.Length > 2) text = parts[^1];
        }
        if (config.Units) text = RemoveUnits(text);
        if (config.Nits)
        {
            if (text.StartsWith('.')) text = "0" + text;
            if (text == "0.5") text = @"\frac{1}{2}";
        }
        if (config.MalformedOperators) text = FixMalformedOperators(text);
        return text.Trim();
    }

    static string BasicLatex(string text)
    {
        text = text.Replace(@"\mathrm{T}", "T").Replace(@"\mathrm{d}", "d").Replace(@"{\rm d}", "d")
            .Replace(@"\left[\begin{matrix}", @"\begin{bmatrix}").Replace(@"\end{matrix}\right]", @"\end{bmatrix}");
        text = Left.Replace(text, "$1");
        text = Right.Replace(text, "$1");
        text = Permutation.Replace(text, @"\frac{($1)!}{(($1)-($2))!}");
        text = ToRemove.Replace(text, "");
        text = ReplaceAll.Replace(text, m => Replacements.First(r => m.Groups[r.Name].Success).Replacement);
        text = text.Replace('\n', ' ').Replace('\t', ' ');
        // Matrices use "\\" as their row separator; elsewhere "\\frac" is a doubled backslash to repair.
        if (!text.Contains("matrix")) text = CommandSlash.Replace(text, @"\");
        return text;
    }

    static string RemoveUnits(string text)
    {
        var stripped = UnitSuperscript.Replace(text, "").Trim();
        if (stripped.Length > 0 && stripped != text) text = stripped;
        for (int i = 0; i < 2; i++)
        {
            stripped = UnitsAtEnd.Replace(text, "$1");
            if (stripped.Length > 0 && stripped != text) text = stripped;
        }
        return text;
    }

    static string FixMalformedOperators(string text)
    {
        foreach (var (pattern, replacement) in MalformedOperators) text = pattern.Replace(text, replacement);
        text = text.Replace(" sqrt", @"\sqrt");
        return FixSlashFraction(FixFracs(FixSqrt(text)));
    }

    /// <summary>"\sqrt3" becomes "\sqrt{3}": a root without braces takes one character.</summary>
    static string FixSqrt(string text)
    {
        if (!text.Contains(@"\sqrt")) return text;
        var parts = text.Split(@"\sqrt");
        var sb = new StringBuilder(parts[0]);
        foreach (var raw in parts.Skip(1))
        {
            var part = raw.TrimStart();
            sb.Append(part.Length > 0 && part[0] != '{' && part[0] != '[' ? $@"\sqrt{{{part[0]}}}{part[1..]}" : @"\sqrt" + part);
        }
        return sb.ToString();
    }

    /// <summary>"\frac12" and "\frac1{2}" become "\frac{1}{2}": unbraced arguments take one character each.</summary>
    static string FixFracs(string text)
    {
        var parts = text.Split(@"\frac");
        var sb = new StringBuilder(parts[0]);
        foreach (var raw in parts.Skip(1))
        {
            var part = raw.TrimStart();
            sb.Append(@"\frac");
            if (part.Length > 0 && part[0] == '{') { sb.Append(part); continue; }
            if (part.Length < 2) return text;
            char a = part[0], b = part[1];
            sb.Append(b != '{' ? $"{{{a}}}{{{b}}}{part[2..]}" : $"{{{a}}}{b}{part[2..]}");
        }
        return sb.ToString();
    }

    /// <summary>A whole answer "a/b" of two canonical integers becomes \frac{a}{b}.</summary>
    static string FixSlashFraction(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2) return text;
        if (!System.Numerics.BigInteger.TryParse(parts[0], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var a)
            || !System.Numerics.BigInteger.TryParse(parts[1], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var b)
            || text != $"{a}/{b}") return text;
        return $@"\frac{{{a}}}{{{b}}}";
    }
}
