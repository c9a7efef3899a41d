using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace SlotSharp.Tests.Ownership;

/// <summary>
/// Finds every place the library makes a TorchSharp Scalar that nothing keeps alive across the native call reading
/// it. Such a Scalar is reachable only until its Handle is read; the GC may finalize it (freeing the native c10::Scalar)
/// while libtorch still reads it, which surfaces as "INTERNAL ASSERT FAILED at Scalar.h". The library is compiled with
/// Roslyn and three kinds of use are reported:
/// (1) implicit conversions of a number or bool to Scalar (arguments, operators like x * 0.5, assignments);
/// (2) ToScalar() whose result is not held by a `using` local or a field;
/// (3) calls of TorchSharp members that make a Scalar themselves, found in TorchSharp's IL (TorchSharpScalarMakers):
///     Tensor.add(x) calls add(x, 1), x + y calls add, square() is pow(2), x * 0.5 binds operator *(Tensor, double)
///     which calls mul(0.5), arange(start, stop) passes step 1, ...
/// </summary>
public static class ScalarUseAudit
{
    public static IReadOnlyList<string> Run(params string[] sourceFolders)
    {
        var options = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);
        var trees = sourceFolders.SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "obj" or "bin"))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, options))
            .ToList();
        // Named as the test assembly, which every src assembly grants InternalsVisibleTo: the core's sources include
        // the test oracles compiled into SlotSharp.TorchSharp (Generation/TokenGenerator.cs), which use its internal
        // model types (CausalLM, KvCache) from the referenced SlotSharp.TorchSharp.dll.
        var compilation = CSharpCompilation.Create("SlotSharp.Tests", trees, References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        // CS8795: [GeneratedRegex] partial methods, whose bodies a source generator writes (not run here).
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").Take(5).ToList();
        if (errors.Count > 0)
            throw new InvalidOperationException("the audit could not compile the library: " + string.Join("; ", errors));

        var findings = new List<string>();
        foreach (var tree in trees.Where(t => t.GetText().ToString().Contains("TorchSharp")))
        {
            var model = compilation.GetSemanticModel(tree);
            // Operation trees start at member bodies and initializers; lambdas are inside them.
            var roots = tree.GetRoot().DescendantNodes()
                .Where(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or ArrowExpressionClauseSyntax or EqualsValueClauseSyntax)
                .Select(n => model.GetOperation(n)).Where(o => o is { Parent: null });
            foreach (var operation in roots.SelectMany(r => r!.DescendantsAndSelf()))
            {
                if (Describe(operation) is not { } problem) continue;
                var line = tree.GetLineSpan(operation.Syntax.Span).StartLinePosition.Line + 1;
                findings.Add($"{Path.GetRelativePath(Path.GetDirectoryName(sourceFolders[0])!, tree.FilePath)}:{line}: {problem}: {operation.Syntax}");
            }
        }
        return findings;
    }

    const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    static IEnumerable<MetadataReference> References() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Distinct()
            .Select(p => MetadataReference.CreateFromFile(p));

    static string? Describe(IOperation operation) => operation switch
    {
        IConversionOperation { IsImplicit: true, OperatorMethod: { } op } when IsScalar(op.ContainingType) && IsScalar(op.ReturnType) =>
            $"implicit {operation.Type} from {((IConversionOperation)operation).Operand.Type}",
        IInvocationOperation call when call.TargetMethod.Name == "ToScalar" && IsScalar(call.Type) && !IsHeld(call.Syntax) =>
            "ToScalar() not held by a using local or a field",
        IInvocationOperation call when InternallyConverts(call.TargetMethod) => $"{call.TargetMethod.ContainingType.Name}.{call.TargetMethod.Name} makes a Scalar inside TorchSharp",
        IPropertyReferenceOperation { Property.GetMethod: { } get } when InternallyConverts(get) => $"{get.ContainingType.Name}.{get.Name} makes a Scalar inside TorchSharp",
        IObjectCreationOperation { Constructor: { } ctor } when InternallyConverts(ctor) => $"new {ctor.ContainingType.Name} makes a Scalar inside TorchSharp",
        IBinaryOperation { OperatorMethod: { } op } when InternallyConverts(op) => $"operator {op.Name} makes a Scalar inside TorchSharp",
        IUnaryOperation { OperatorMethod: { } op } when InternallyConverts(op) => $"operator {op.Name} makes a Scalar inside TorchSharp",
        ICompoundAssignmentOperation { OperatorMethod: { } op } when InternallyConverts(op) => $"operator {op.Name} makes a Scalar inside TorchSharp",
        _ => null,
    };

    static bool IsScalar(ITypeSymbol? t) => t?.Name == "Scalar" && t.ContainingNamespace?.ToDisplayString() == "TorchSharp";

    static bool IsTensor(ITypeSymbol? t) => t?.Name == "Tensor" && t.ContainingNamespace?.ToDisplayString() == "TorchSharp";

    /// <summary>A TorchSharp member whose IL makes a Scalar (see TorchSharpScalarMakers), or an operator taking a plain number.</summary>
    static bool InternallyConverts(IMethodSymbol m)
    {
        if (m.ContainingAssembly?.Name != "TorchSharp") return false;
        if (m.MethodKind == MethodKind.UserDefinedOperator && m.Parameters.Any(p => p.Type.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_Double))
            return true;
        return TorchSharpScalarMakers.Contains(m.OriginalDefinition.MetadataToken);
    }

    /// <summary>`using var s = x.ToScalar();`, `using (var s = ...)`, or a field (or its initializer) keeps the Scalar reachable.</summary>
    static bool IsHeld(SyntaxNode call)
    {
        var parent = call.Parent;
        while (parent is ParenthesizedExpressionSyntax) parent = parent.Parent;
        if (parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax decl } })
            return decl.Parent is FieldDeclarationSyntax or UsingStatementSyntax
                || decl.Parent is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 };
        return parent is AssignmentExpressionSyntax a && a.Left is IdentifierNameSyntax or MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax }
            && parent.Ancestors().OfType<ConstructorDeclarationSyntax>().Any();
    }
}
