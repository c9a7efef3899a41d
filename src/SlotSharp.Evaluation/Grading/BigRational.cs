using System.Globalization;
using System.Numerics;

namespace SlotSharp.Grading;

/// <summary>
/// An exact rational p/q (q &gt; 0, lowest terms) with the arithmetic the grader needs. Answers that are plain
/// numbers are compared with this type so "18", "36/2" and "\frac{36}{2}" are equal without any tolerance.
/// </summary>
internal readonly record struct BigRational : IComparable<BigRational>
{
    /// <summary>Exponents above this are not expanded exactly (2^100000 would be a valid but hostile input).</summary>
    public const int MaxExactExponent = 4096;

    /// <summary>Results of <see cref="Pow"/> above this many bits are not computed exactly ((10^4096)^4096 would take minutes).</summary>
    public const long MaxExactPowerBits = 1 << 20;

    public BigInteger Numerator { get; }
    public BigInteger Denominator { get; }

    public BigRational(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero) throw new DivideByZeroException("rational with zero denominator");
        if (denominator.Sign < 0) { numerator = -numerator; denominator = -denominator; }
        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!g.IsZero && !g.IsOne) { numerator /= g; denominator /= g; }
        Numerator = numerator;
        Denominator = numerator.IsZero ? BigInteger.One : denominator;
    }

    public static readonly BigRational Zero = new(0, 1);
    public static readonly BigRational One = new(1, 1);
    public static BigRational FromInteger(BigInteger value) => new(value, BigInteger.One);

    public bool IsInteger => Denominator.IsOne;
    public int Sign => Numerator.Sign;

    /// <summary>Parses "123", "-4.50", ".5", "1e3" style ASCII decimals exactly; null for anything else.</summary>
    public static BigRational? TryParseDecimal(string text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var s = text;
        int exp10 = 0;
        var e = s.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            if (!int.TryParse(s[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exp10) || Math.Abs(exp10) > MaxExactExponent) return null;
            s = s[..e];
        }
        bool negative = s.StartsWith('-');
        if (negative || s.StartsWith('+')) s = s[1..];
        var dot = s.IndexOf('.');
        var intPart = dot < 0 ? s : s[..dot];
        var fracPart = dot < 0 ? "" : s[(dot + 1)..];
        if (intPart.Length + fracPart.Length == 0 || !(intPart + fracPart).All(char.IsAsciiDigit)) return null;
        var digits = BigInteger.Parse("0" + intPart + fracPart, CultureInfo.InvariantCulture);
        var value = new BigRational(negative ? -digits : digits, BigInteger.Pow(10, fracPart.Length));
        return exp10 >= 0 ? value * FromInteger(BigInteger.Pow(10, exp10)) : value / FromInteger(BigInteger.Pow(10, -exp10));
    }

    public static BigRational operator +(BigRational a, BigRational b) =>
        new(a.Numerator * b.Denominator + b.Numerator * a.Denominator, a.Denominator * b.Denominator);
    public static BigRational operator -(BigRational a, BigRational b) =>
        new(a.Numerator * b.Denominator - b.Numerator * a.Denominator, a.Denominator * b.Denominator);
    public static BigRational operator -(BigRational a) => new(-a.Numerator, a.Denominator);
    public static BigRational operator *(BigRational a, BigRational b) =>
        new(a.Numerator * b.Numerator, a.Denominator * b.Denominator);
    public static BigRational operator /(BigRational a, BigRational b) =>
        new(a.Numerator * b.Denominator, a.Denominator * b.Numerator);

    /// <summary>a^n for an integer n with |n| at most <see cref="MaxExactExponent"/>; null when too large or 0^-n.</summary>
    public static BigRational? Pow(BigRational a, BigInteger n)
    {
        if (BigInteger.Abs(n) > MaxExactExponent) return null;
        if (n.Sign < 0 && a.Numerator.IsZero) return null;
        int k = (int)BigInteger.Abs(n);
        if ((a.Numerator.GetBitLength() + a.Denominator.GetBitLength()) * k > MaxExactPowerBits) return null;
        var r = new BigRational(BigInteger.Pow(a.Numerator, k), BigInteger.Pow(a.Denominator, k));
        return n.Sign < 0 ? One / r : r;
    }

    public int CompareTo(BigRational other) => (Numerator * other.Denominator).CompareTo(other.Numerator * Denominator);
    public static bool operator <(BigRational a, BigRational b) => a.CompareTo(b) < 0;
    public static bool operator <=(BigRational a, BigRational b) => a.CompareTo(b) <= 0;
    public static bool operator >(BigRational a, BigRational b) => a.CompareTo(b) > 0;
    public static bool operator >=(BigRational a, BigRational b) => a.CompareTo(b) >= 0;

    public double ToDouble()
    {
        // Scale so that the quotient keeps ~20 significant digits even for huge numerators and denominators.
        var shift = (long)Denominator.GetBitLength() - (long)BigInteger.Abs(Numerator).GetBitLength() + 70;
        if (Numerator.IsZero) return 0;
        var scaled = shift >= 0 ? (Numerator << (int)Math.Min(shift, 100000)) / Denominator : Numerator / (Denominator << (int)Math.Min(-shift, 100000));
        return Math.ScaleB((double)scaled, (int)-shift);
    }

    /// <summary>Rounds to <paramref name="decimals"/> places, ties to even (as Python's round on exact values does).</summary>
    public BigRational RoundToDecimals(int decimals)
    {
        var scale = BigInteger.Pow(10, Math.Max(decimals, 0));
        var scaled = this * FromInteger(scale);
        var floor = BigInteger.Divide(scaled.Numerator - (scaled.Numerator.Sign < 0 ? scaled.Denominator - 1 : 0), scaled.Denominator);
        var rest = scaled - FromInteger(floor);
        var half = new BigRational(1, 2);
        var cmp = rest.CompareTo(half);
        if (cmp > 0 || (cmp == 0 && !floor.IsEven)) floor += 1;
        return new BigRational(floor, scale);
    }

    public override string ToString() => Denominator.IsOne ? Numerator.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");
}
