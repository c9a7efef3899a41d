using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// Command-line mistakes (a misspelt flag, `--lr abc`) as one line on stderr naming the argument and what it expects,
/// exit code 2, instead of System.CommandLine's default (the whole help on stdout, .NET type names, exit code 1).
/// </summary>
internal static class CliParseErrors
{
    /// <summary>True when System.CommandLine would report errors (help and version requests clear them).</summary>
    public static bool Failed(ParseResult parse) => parse.Errors.Count > 0 && parse.Action is ParseErrorAction;

    /// <summary>The one line for the first error, with System.CommandLine's "did you mean" suggestions when it has some.</summary>
    public static string Describe(ParseResult parse)
    {
        // A misspelt sub-command also leaves "Required command was not provided" first; the unknown word says more.
        string? unmatched = parse.UnmatchedTokens.Count > 0 ? $"'{parse.UnmatchedTokens[0]}'" : null;
        var first = parse.Errors.FirstOrDefault(e => unmatched != null && e.Message.Contains(unmatched, StringComparison.Ordinal))
                    ?? parse.Errors[0];
        string line = first.SymbolResult is { } symbol && BadValue(symbol) is { } bad ? bad : Named(first);
        if (unmatched != null && line.Contains(unmatched, StringComparison.Ordinal))
        {
            var suggestions = Suggestions(parse, parse.UnmatchedTokens[0]);
            if (suggestions.Count > 0) line += $" (did you mean {string.Join(" or ", suggestions)}?)";
        }
        return $"{line}; see '{CommandPath(parse.CommandResult)} --help'";
    }

    /// <summary>"--lr: expected a number, got 'abc'" for a value of a numeric or boolean option that does not parse.</summary>
    static string? BadValue(SymbolResult symbol)
    {
        if (OptionOf(symbol) is not { } option) return null;
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        var (expected, parses) = Expectation(type);
        if (expected == null) return null;
        var token = symbol.Tokens.FirstOrDefault(t => !parses(t.Value));
        return token == null ? null : $"{option.Name}: expected {expected}, got '{token.Value}'";
    }

    /// <summary>The option an error is about: its result, or the result of its argument.</summary>
    static Option? OptionOf(SymbolResult? symbol) => (symbol as OptionResult ?? symbol?.Parent as OptionResult)?.Option;

    static (string? Expected, Func<string, bool> Parses) Expectation(Type type)
    {
        var c = CultureInfo.InvariantCulture;
        if (type == typeof(int)) return ("an integer", v => int.TryParse(v, NumberStyles.Integer, c, out _));
        if (type == typeof(long)) return ("an integer", v => long.TryParse(v, NumberStyles.Integer, c, out _));
        if (type == typeof(double)) return ("a number", v => double.TryParse(v, NumberStyles.Float, c, out _));
        if (type == typeof(bool)) return ("true or false", v => bool.TryParse(v, out _));
        return (null, _ => true);
    }

    /// <summary>
    /// System.CommandLine's own typo correction (its algorithm is internal): its ParseErrorAction runs with the help
    /// turned off and its output captured; the suggestions are the captured lines that name an option or
    /// sub-command of the command, so the (localized) text around them does not matter.
    /// </summary>
    static List<string> Suggestions(ParseResult parse, string token)
    {
        var action = (ParseErrorAction)parse.Action!;
        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        var output = new StringWriter();
        parse.Invoke(new InvocationConfiguration { Output = output, Error = TextWriter.Null });
        var names = parse.CommandResult.Command.Children
            .SelectMany(s => s switch { Option o => o.Aliases.Append(o.Name), Command c => c.Aliases.Append(c.Name), _ => [] })
            .ToHashSet(StringComparer.Ordinal);
        return output.ToString().Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l != token && names.Contains(l)).Distinct().ToList();
    }

    static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = r.Parent) names.Insert(0, c.Command.Name);
        names[0] = "slot"; // the root command's name is the executable's file name, which depends on how it was started
        return string.Join(" ", names);
    }

    /// <summary>System.CommandLine's message on one line, led by the option it concerns when it does not name it.</summary>
    static string Named(ParseError error)
    {
        var line = System.Text.RegularExpressions.Regex.Replace(error.Message, @"\s+", " ").Trim().TrimEnd('.');
        var option = OptionOf(error.SymbolResult);
        return option != null && !line.Contains(option.Name, StringComparison.Ordinal) ? $"{option.Name}: {line}" : line;
    }
}
