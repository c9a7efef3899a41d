using System.Text;
using SlotSharp.Generation.Constraints;

namespace SlotSharp.Tests.Generation.Constraints;

/// <summary>Whether a constraint's grammar accepts a whole text, byte by byte, as the matcher steps through tokens.</summary>
internal static class ConstraintText
{
    public static bool Accepts(OutputConstraint constraint, string text) => Accepts(constraint.Automaton, Encoding.UTF8.GetBytes(text));

    public static bool Accepts(GrammarAutomaton automaton, byte[] bytes)
    {
        lock (automaton.Lock) return automaton.Walk(automaton.Start, bytes).Accepting;
    }

    /// <summary>True when some continuation could still complete the text (the grammar has not rejected it).</summary>
    public static bool IsPrefix(OutputConstraint constraint, string text)
    {
        var a = constraint.Automaton;
        lock (a.Lock) return !a.Walk(a.Start, Encoding.UTF8.GetBytes(text)).Dead;
    }
}
