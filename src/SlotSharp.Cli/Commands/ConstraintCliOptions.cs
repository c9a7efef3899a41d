using System.CommandLine;
using SlotSharp.Generation.Constraints;

namespace SlotSharp.Cli.Commands;

/// <summary>`slot generate`'s output constraint: --json-schema FILE or --grammar FILE (GBNF), compiled before the model loads.</summary>
internal sealed class ConstraintCliOptions
{
    public Option<string?> JsonSchema { get; } = new("--json-schema") { Description = "Constrain the output to JSON valid under the JSON Schema in FILE" };
    public Option<string?> Grammar { get; } = new("--grammar") { Description = "Constrain the output to the GBNF grammar (llama.cpp's syntax) in FILE" };

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(JsonSchema);
        cmd.Options.Add(Grammar);
    }

    /// <summary>The compiled constraint, or null; a bad file is a user error naming it (and the schema keyword).</summary>
    public OutputConstraint? Resolve(ParseResult parse)
    {
        string? schema = parse.GetValue(JsonSchema), grammar = parse.GetValue(Grammar);
        if (schema != null && grammar != null) throw new UserInputException("--json-schema and --grammar cannot be combined");
        if (schema != null) return Compile("--json-schema", schema, OutputConstraint.JsonSchema);
        if (grammar != null) return Compile("--grammar", grammar, OutputConstraint.Grammar);
        return null;
    }

    static OutputConstraint Compile(string flag, string file, Func<string, OutputConstraint> compile)
    {
        var info = new FileInfo(file);
        if (info.Exists && info.Length > GrammarLimits.MaxTextLength * 4L)
            throw new UserInputException($"{flag} {file}: the file is larger than {GrammarLimits.MaxTextLength} characters");
        string text = File.ReadAllText(file);
        try { return compile(text); }
        catch (SlotSharpException e) { throw new UserInputException($"{flag} {file}: {e.Message}", e); }
    }
}
