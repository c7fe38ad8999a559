using Microsoft.AspNetCore.Http;

namespace OrleansGate.Silo.Admin;

internal static class AdminResults
{
    public static IResult Error(int status, string message) => Results.Json(new ErrorDocument(message), statusCode: status);
}
