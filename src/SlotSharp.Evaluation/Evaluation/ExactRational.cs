using System.Globalization;
using System.Numerics;

namespace SlotSharp.Evaluation;

/// <summary>
/// An exact rational number p/q (q &gt; 0, lowest terms). Answers are compared by value with this type so that
/// "18", "18.0" and "36/2" are equal without any floating-point tolerance.
/// </summary>
internal readonly record struct ExactRational
{
    public BigInteger Numerator { get; }
    public BigInteger Denominator { get; }

    public ExactRational(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero) throw new DivideByZeroException("rational with zero denominator");
        if (denominator.Sign < 0) { numerator = -numerator; denominator = -denominator; }
        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!g.IsZero && !g.IsOne) { numerator /= g; denominator /= g; }
        Numerator = numerator;
        Denominator = denominator;
    }

    public static ExactRational FromInteger(BigInteger value) => new(value, BigInteger.One);

    /// <summary>The exact value of a finite double (every double is a dyadic rational).</summary>
    public static ExactRational FromDouble(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"not a finite number: {value}");
        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent++; else mantissa |= 1L << 52;
        exponent -= 1075;
        BigInteger num = mantissa, den = BigInteger.One;
        if (exponent > 0) num <<= exponent; else den <<= -exponent;
        return new ExactRational(negative ? -num : num, den);
    }

    /// <summary>
    /// Parses signed ASCII digit strings: "12", "-3", "0.50", ".5", "36/2". Returns null for anything else, including a
    /// zero denominator and non-ASCII digits (the regex \d finds "١٢", but math-verify cannot parse it: sympy reads it
    /// as a symbol name, so the original scores it wrong).
    /// </summary>
    public static ExactRational? TryParsePlain(string text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        bool negative = text[0] == '-';
        var body = negative ? text[1..] : text;
        var slash = body.IndexOf('/');
        if (slash >= 0)
        {
            var n = TryParseDigits(body[..slash]);
            var d = TryParseDigits(body[(slash + 1)..]);
            if (n is null || d is null || d.Value.IsZero) return null;
            return new ExactRational(negative ? -n.Value : n.Value, d.Value);
        }
        var dot = body.IndexOf('.');
        var intPart = dot < 0 ? body : body[..dot];
        var fracPart = dot < 0 ? "" : body[(dot + 1)..];
        if (dot >= 0 && fracPart.Length == 0) return null;
        var i = intPart.Length == 0 && dot >= 0 ? BigInteger.Zero : TryParseDigits(intPart);
        var f = fracPart.Length == 0 ? BigInteger.Zero : TryParseDigits(fracPart);
        if (i is null || f is null) return null;
        var scale = BigInteger.Pow(10, fracPart.Length);
        var num = i.Value * scale + f.Value;
        return new ExactRational(negative ? -num : num, scale);
    }

    static BigInteger? TryParseDigits(string s)
    {
        if (s.Length == 0) return null;
        BigInteger v = BigInteger.Zero;
        foreach (var c in s)
        {
            if (c is < '0' or > '9') return null;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /// <summary>Rounds to <paramref name="decimals"/> places with ties to even (what Python's format does on the exact value).</summary>
    public BigInteger RoundHalfEvenScaled(int decimals)
    {
        var scaled = Numerator * BigInteger.Pow(10, decimals);
        var q = BigInteger.DivRem(BigInteger.Abs(scaled), Denominator, out var rem);
        var twice = rem * 2;
        if (twice > Denominator || (twice == Denominator && !q.IsEven)) q += 1;
        return scaled.Sign < 0 ? -q : q;
    }

    public override string ToString() => Denominator.IsOne ? Numerator.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");
}
