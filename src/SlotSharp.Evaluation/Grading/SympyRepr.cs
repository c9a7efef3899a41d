namespace SlotSharp.Grading;

/// <summary>
/// Reads the few SymPy srepr forms the peer-case file uses for already-built values ("sympy" input kind):
/// Integer(n), Rational(p, q) and Float(x) (a written decimal).
/// </summary>
internal static class SympyRepr
{
    public static MathNode Parse(string text)
    {
        var open = text.IndexOf('(');
        if (open <= 0 || !text.EndsWith(')')) throw new SlotSharpException($"not an srepr value: '{text}'");
        var args = text[(open + 1)..^1].Split(',').Select(a => a.Trim().Trim('\'')).ToArray();
        BigRational Arg(int i) => (i < args.Length ? BigRational.TryParseDecimal(args[i]) : null) ?? throw new SlotSharpException($"bad srepr argument in '{text}'");
        return text[..open] switch
        {
            "Integer" when args.Length == 1 => new NumberNode(Arg(0)),
            "Rational" when args.Length == 2 && Arg(1).Sign != 0 => new NumberNode(Arg(0) / Arg(1)),
            "Float" when args.Length == 1 => new NumberNode(Arg(0), IsFloat: true),
            _ => throw new SlotSharpException($"unsupported srepr value '{text}' (expected Integer, Rational or Float)"),
        };
    }
}
