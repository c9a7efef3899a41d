namespace SlotSharp.Grading;

/// <summary>One element of parse()'s result: a parsed value, or (for the fallback or a string choice) a text.</summary>
internal sealed record ParsedAnswer(MathNode? Value, string? Text)
{
    public static ParsedAnswer Of(MathNode value) => new(value, null);
    public static ParsedAnswer OfText(string text) => new(null, text);
    public override string ToString() => Value is not null ? MathPrinter.Print(Value) : Text ?? "";
}
