using System.Text.RegularExpressions;

namespace SlotSharp.Grading;

/// <summary>Why an answer text could not be turned into a <see cref="MathNode"/>; the extractor catches it and moves on.</summary>
internal sealed class MathParseException(string message) : Exception(message);

internal enum TokenKind { Number, Letter, Command, Punct, End }

/// <summary>One lexical unit of normalized LaTeX. Commands keep their backslash ("\frac", "\{").</summary>
internal readonly record struct LatexToken(TokenKind Kind, string Text, int Start)
{
    public bool Is(string text) => Kind != TokenKind.Number && Text == text;
}

/// <summary>
/// Splits normalized LaTeX into tokens. Spacing commands (\quad, \,, "\ ") vanish. A number keeps "1,000,000"
/// thousands groups together (first group 1-9, exactly three digits after each comma, as latex2sympy2_extended
/// reads them) so that "11,111" is one number but "-2,1" stays a list.
/// </summary>
internal static class LatexTokenizer
{
    static readonly Regex NumberPattern = new(@"\G(?:[1-9]\d{0,2}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)", RegexOptions.CultureInvariant);
    static readonly Regex PlainNumberPattern = new(@"\G(?:\d+(?:\.\d+)?|\.\d+)", RegexOptions.CultureInvariant);
    static readonly string[] SpacingPrefixes = [@"\qquad", @"\quad"];
    static readonly HashSet<string> Spacing = [@"\quad", @"\qquad", @"\,", @"\;", @"\:", @"\ ", @"\!", @"\>", @"\enspace", @"\space", @"\hspace", @"\displaystyle", @"\limits", @"\nolimits"];

    public static List<LatexToken> Tokenize(string text)
    {
        var tokens = new List<LatexToken>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                // Right after an opening bracket, "(12,102)" is a pair, not twelve thousand one hundred two.
                var m = (AfterOpeningBracket(text, i) ? PlainNumberPattern : NumberPattern).Match(text, i);
                tokens.Add(new LatexToken(TokenKind.Number, m.Value.Replace(",", ""), i));
                i += m.Length;
                continue;
            }
            if (c == '\\')
            {
                int j = i + 1;
                while (j < text.Length && char.IsAsciiLetter(text[j])) j++;
                if (j == i + 1 && j < text.Length) j++; // one-character command: \{ \} \, \\ \%
                var command = text[i..j];
                // "\quadx" is \quad then x, as latex2sympy's lexer reads it.
                if (SpacingPrefixes.FirstOrDefault(p => command.Length > p.Length && command.StartsWith(p, StringComparison.Ordinal)) is { } spacing)
                    command = spacing;
                i += command.Length;
                // \( and \) left inside an answer (from a doubled "\\left(") are plain parentheses.
                if (command is @"\(" or @"\)")
                {
                    tokens.Add(new LatexToken(TokenKind.Punct, command[1..], i - 2));
                    continue;
                }
                if (command == @"\hspace" && i < text.Length && text[i] == '{')
                {
                    var close = text.IndexOf('}', i);
                    i = close < 0 ? text.Length : close + 1;
                    continue;
                }
                if (!Spacing.Contains(command)) tokens.Add(new LatexToken(TokenKind.Command, command, i - command.Length));
                continue;
            }
            tokens.Add(new LatexToken(char.IsLetter(c) ? TokenKind.Letter : TokenKind.Punct, c.ToString(), i));
            i++;
        }
        tokens.Add(new LatexToken(TokenKind.End, "", text.Length));
        return tokens;
    }

    static bool AfterOpeningBracket(string text, int i)
    {
        int k = i - 1;
        while (k >= 0 && char.IsWhiteSpace(text[k])) k--;
        return k >= 0 && (text[k] == '(' || text[k] == '[');
    }
}
