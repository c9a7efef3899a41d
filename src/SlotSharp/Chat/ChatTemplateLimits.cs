namespace SlotSharp.Chat;

/// <summary>
/// Sandbox bounds for rendering an untrusted template. Every limit fails the render with a
/// <see cref="ChatTemplateException"/> of kind <see cref="ChatTemplateErrorKind.LimitExceeded"/>.
/// </summary>
public sealed record ChatTemplateLimits
{
    /// <summary>Longest rendered text (and longest intermediate string) in UTF-16 chars.</summary>
    public int MaxOutputChars { get; init; } = 16 * 1024 * 1024;
    /// <summary>Total for-loop iterations across one render.</summary>
    public long MaxLoopIterations { get; init; } = 1_000_000;
    /// <summary>Deepest macro call nesting (guards recursion).</summary>
    public int MaxCallDepth { get; init; } = 64;
    /// <summary>Total evaluation steps (statements + expressions) per render; guards exponential macro fan-out.</summary>
    public long MaxSteps { get; init; } = 20_000_000;
    /// <summary>Largest range(...) and list produced by repetition (Jinja's sandbox uses 100000 too).</summary>
    public int MaxRangeLength { get; init; } = 100_000;
    /// <summary>Deepest syntactic nesting accepted by the parser (guards the parser's stack).</summary>
    public int MaxNestingDepth { get; init; } = 200;
    /// <summary>
    /// Total bytes of values (strings, lists, tuples, dicts, ints) one render may build, counted cumulatively and
    /// checked before each allocation. Bounds both the memory and the copying work of a render; 8x the largest output (2 bytes a char).
    /// </summary>
    public long MaxAllocatedBytes { get; init; } = 256L * 1024 * 1024;
    /// <summary>Most decimal digits of an int (Python's default int max_str_digits is 4300 too).</summary>
    public int MaxIntegerDigits { get; init; } = 4300;

    public static ChatTemplateLimits Default { get; } = new();
}
