FROM mcr.microsoft.com/dotnet/sdk:6.0
RUN apt update && apt install libgnutls30 && apt install ca-certificates && update-ca-certificates
WORKDIR /app
ENV ASPNETCORE_ENVIRONMENT=Production
ENV ASPNETCORE_URLS=http://+:80
# Dependency manifests first: the restore below stays cached until they change.
COPY app.sln ./
COPY src/Module1/Module1.csproj ./src/Module1/
COPY src/Module2/Module2.csproj ./src/Module2/
COPY src/app/app.csproj src/app/nuget.config ./src/app/
COPY tests/app.Test/app.Test.csproj ./tests/app.Test/
COPY tests/app.integrity.Test/app.integrity.Test.csproj ./tests/app.integrity.Test/
RUN dotnet restore   src/app/app.csproj --configfile src/app/nuget.config
COPY . ./
RUN dotnet publish src/app/apptifier.csproj -c Release -o /app/out
FROM mcr.microsoft.com/dotnet/sdk:6.0
WORKDIR /app
COPY --from=build-env /app/out .
EXPOSE 80
ENTRYPOINT ["dotnet","app.dll"]
